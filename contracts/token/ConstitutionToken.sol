// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/**
 * @title ConstitutionToken
 * @notice The human constitutional voting token (ERC20Votes, block-number clock). Holders delegate to
 * vote in {HybridGovernor}. New tokens are minted only by the owner, the governance timelock.
 */
contract ConstitutionToken is ERC20, ERC20Permit, ERC20Votes, Ownable {
    /**
     * @param owner_ The minter (the timelock).
     * @param initialHolder Receives `initialSupply`.
     * @param initialSupply Tokens minted at deployment (18 decimals).
     */
    constructor(
        address owner_,
        address initialHolder,
        uint256 initialSupply
    ) ERC20("IPPOC Constitution", "vIPPOC") ERC20Permit("IPPOC Constitution") Ownable(owner_) {
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

    /// @inheritdoc Nonces
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
