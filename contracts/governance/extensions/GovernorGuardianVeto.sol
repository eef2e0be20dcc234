// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {GovernorProposalGuardian} from "@openzeppelin/contracts/governance/extensions/GovernorProposalGuardian.sol";

/**
 * @title GovernorGuardianVeto
 * @notice A human veto: the guardian can cancel ({IGovernor-cancel}) any proposal that is not yet
 * executed, in any state, including queued proposals (the timelock module cancels the timelock
 * operation too).
 * @dev Builds on {GovernorProposalGuardian}, but the guardian is an invariant of governance: only the
 * guardian itself can hand the role over, never a proposal, and there is always a guardian.
 */
abstract contract GovernorGuardianVeto is GovernorProposalGuardian {
    /// @notice Emitted when the guardian vetoes (cancels) `proposalId`.
    event ProposalVetoed(uint256 indexed proposalId, address indexed guardian);

    /// @notice Only the guardian may do this; `caller` is not it.
    error HybridGovernorUnauthorizedGuardian(address caller);
    /// @notice The guardian cannot be the zero address.
    error HybridGovernorInvalidGuardian(address guardian);

    constructor(address initialGuardian) {
        if (initialGuardian == address(0)) revert HybridGovernorInvalidGuardian(initialGuardian);
        _setProposalGuardian(initialGuardian);
    }

    /**
     * @notice Hands the veto to `newGuardian`. Only the current guardian: a proposal cannot change it.
     * @param newGuardian The next guardian (never the zero address).
     */
    function setProposalGuardian(address newGuardian) public virtual override {
        if (_msgSender() != proposalGuardian()) revert HybridGovernorUnauthorizedGuardian(_msgSender());
        if (newGuardian == address(0)) revert HybridGovernorInvalidGuardian(newGuardian);
        _setProposalGuardian(newGuardian);
    }

    /**
     * @notice Cancels a proposal: the guardian in any state before execution (a veto), the proposer
     * while it is pending.
     */
    function cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) public virtual override returns (uint256 proposalId) {
        proposalId = super.cancel(targets, values, calldatas, descriptionHash);
        if (_msgSender() == proposalGuardian()) emit ProposalVetoed(proposalId, _msgSender());
    }
}
