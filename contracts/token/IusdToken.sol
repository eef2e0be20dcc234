// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/**
 * @title IusdToken
 * @notice iUSD, the swarm's testnet stable token held by the {Treasury}. Testnet only: it has no
 * backing. Minted only by the owner, the governance timelock.
 */
contract IusdToken is ERC20, ERC20Permit, Ownable {
    /**
     * @param owner_ The minter (the timelock).
     * @param initialHolder Receives `initialSupply`.
     * @param initialSupply Tokens minted at deployment (18 decimals).
     */
    constructor(
        address owner_,
        address initialHolder,
        uint256 initialSupply
    ) ERC20("IPPOC Testnet USD", "iUSD") ERC20Permit("IPPOC Testnet USD") Ownable(owner_) {
        if (initialSupply > 0) _mint(initialHolder, initialSupply);
    }

    /**
     * @notice Mints `amount` to `to`. Only the owner (governance).
     * @param to Recipient.
     * @param amount Amount in base units.
     */
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
