/** Entry point: loads `/config.json`, then renders the dashboard. */
import { createRoot } from 'react-dom/client'
import { parseDashboardConfig } from '../config.ts'
import { errorToWords } from '../error-words.ts'
import { App } from './App.tsx'
import './styles.css'

const root = createRoot(document.getElementById('root')!)

async function start(): Promise<void> {
  try {
    const response = await fetch('config.json', { cache: 'no-store' })
    if (!response.ok) throw new Error(`config.json answered HTTP ${response.status}`)
    root.render(<App config={parseDashboardConfig(await response.json(), 'config.json')} />)
  } catch (error) {
    root.render(<p className="banner error">Cannot load the dashboard configuration: {errorToWords(error).message}</p>)
  }
}

void start()
