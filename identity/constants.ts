/**
 * Limits and fixed names of the identity layer. Every value read from disk or from a machine-facts
 * source is checked against one of these before it is used.
 */

/** Name of the folder under the data root that holds one folder per node. */
export const NODES_DIRECTORY_NAME = 'nodes'
/** Prefix of the temporary sibling a node folder is built in before it is renamed into place. */
export const INIT_TEMPORARY_PREFIX = '.init-'
/**
 * An `.init-*` folder older than this is a leftover of a crashed init and is removed by the next init.
 * An init takes milliseconds, so a younger one may belong to an init running right now and is kept.
 */
export const INIT_TEMPORARY_STALE_AFTER_MS = 10 * 60 * 1000
/** Most entries `DIR/nodes` may hold; a scan stops with an error past this. */
export const NODE_DIRECTORIES_MAX = 4096

/** Mode of `identity.key`: owner read/write only. */
export const KEY_FILE_MODE = 0o600
/** Mode of every folder of a node: owner only. */
export const NODE_DIRECTORY_MODE = 0o700
/** Mode of `fingerprint.json`: readable by all, because it holds no secret. */
export const FINGERPRINT_FILE_MODE = 0o644
/** Permission bits that must be clear on `identity.key` (any group or other access). */
export const KEY_FILE_FORBIDDEN_MODE_BITS = 0o077

/** Largest `fingerprint.json` that is read. */
export const FINGERPRINT_FILE_BYTES_MAX = 16 * 1024
/** Longest machine fact string (cpu model, hostname, machine id), in UTF-8 bytes. */
export const MACHINE_FACT_BYTES_MAX = 1024
/** Largest plausible memory size, in GiB (1 PiB). */
export const MEMORY_GB_MAX = 1024 * 1024
/** Bytes read from a machine-id file at most. */
export const MACHINE_ID_FILE_BYTES_MAX = 1024

/** Files a machine id is read from, in order; the first non-empty, initialized one wins. */
export const MACHINE_ID_PATHS: readonly string[] = ['/etc/machine-id', '/var/lib/dbus/machine-id']
/**
 * The machine id recorded when no machine-id file exists (common in containers). The fingerprint
 * then binds to cpu model, memory and hostname only, and `fingerprint.json` says so in `notes`.
 */
export const MACHINE_ID_UNAVAILABLE = 'unavailable'
/** The cpu model recorded when the operating system reports none (some ARM boards and VMs). */
export const CPU_MODEL_UNAVAILABLE = 'unavailable'
/** The hostname recorded when the operating system reports none. */
export const HOSTNAME_UNAVAILABLE = 'unavailable'
