// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {GovernorProposalGuardian} from "@openzeppelin/contracts/governance/extensions/GovernorProposalGuardian.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {INodeRegistry} from "../interfaces/INodeRegistry.sol";
import {HybridVoting} from "./HybridVoting.sol";
import {GovernorCountingHybrid} from "./extensions/GovernorCountingHybrid.sol";
import {GovernorVotesNodes} from "./extensions/GovernorVotesNodes.sol";
import {GovernorGuardianVeto} from "./extensions/GovernorGuardianVeto.sol";

/**
 * @title HybridGovernor
 * @notice IPPOC's governor: human constitutional weight (an ERC20Votes token) plus AI advisory weight
 * from registered nodes, bounded to {AI_SHARE_MAX_BPS} of the counted weight; a human guardian who can
 * veto any proposal before execution; a {GuardedTimelock} before execution. Standard {IGovernor}
 * interface and events.
 * @dev Human votes: `castVote` and friends with empty params. AI votes: {castAdvisoryVote}, or
 * `castVoteWithReasonAndParams` with params {ADVISORY_VOTE_PARAMS}. Invariants no proposal can change:
 * the AI share bound (a constant), the guardian (only the guardian hands it over), the timelock
 * (fixed; {GuardedTimelock} keeps the governor's cancel right and its own delay floor).
 */
contract HybridGovernor is
    Governor,
    GovernorSettings,
    GovernorCountingHybrid,
    GovernorVotesNodes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl,
    GovernorGuardianVeto
{
    /// @notice The timelock is fixed for the governor's life; `newTimelock` was refused.
    error HybridGovernorTimelockLocked(address newTimelock);
    /// @notice `relay` may not call the timelock: every timelock operation must be a vetoable proposal.
    error HybridGovernorRelayToTimelock();

    /**
     * @param tokenAddress The human constitutional voting token (ERC20Votes, block-number clock).
     * @param timelockAddress The {GuardedTimelock} that executes proposals.
     * @param nodeRegistryAddress The registry of nodes holding AI advisory rights.
     * @param guardian The holder of the human veto.
     * @param initialVotingDelay Blocks between proposal and snapshot.
     * @param initialVotingPeriod Blocks of voting.
     * @param initialProposalThreshold Human votes needed to propose.
     * @param quorumNumeratorValue Quorum in percent of the token supply, met by human votes alone.
     */
    constructor(
        IVotes tokenAddress,
        TimelockController timelockAddress,
        INodeRegistry nodeRegistryAddress,
        address guardian,
        uint48 initialVotingDelay,
        uint32 initialVotingPeriod,
        uint256 initialProposalThreshold,
        uint256 quorumNumeratorValue
    )
        Governor("IPPOC Hybrid Governor")
        GovernorSettings(initialVotingDelay, initialVotingPeriod, initialProposalThreshold)
        GovernorVotes(tokenAddress)
        GovernorVotesNodes(nodeRegistryAddress)
        GovernorVotesQuorumFraction(quorumNumeratorValue)
        GovernorTimelockControl(timelockAddress)
        GovernorGuardianVeto(guardian)
    {}

    /// @notice The largest share of counted weight AI advisory votes can hold, in basis points (constant).
    // solhint-disable-next-line func-name-mixedcase
    function AI_SHARE_MAX_BPS() external pure returns (uint256) {
        return HybridVoting.AI_SHARE_MAX_BPS;
    }

    /// @notice The vote `params` that mark an AI advisory vote.
    // solhint-disable-next-line func-name-mixedcase
    function ADVISORY_VOTE_PARAMS() external pure returns (bytes4) {
        return HybridVoting.ADVISORY_VOTE_PARAMS;
    }

    /**
     * @notice Casts the caller's AI advisory vote; the caller must have been a registered node at the
     * proposal snapshot. Emits {IGovernor-VoteCastWithParams}.
     * @param proposalId The proposal.
     * @param support 0 against, 1 for, 2 abstain.
     * @param reason Free text, e.g. the node's re-verification result.
     * @return The advisory weight counted before the share bound.
     */
    function castAdvisoryVote(uint256 proposalId, uint8 support, string calldata reason) external returns (uint256) {
        return _castVote(proposalId, _msgSender(), support, reason, abi.encodePacked(HybridVoting.ADVISORY_VOTE_PARAMS));
    }

    /// @notice Refused: the timelock is fixed, because the veto relies on its guarantees.
    function updateTimelock(TimelockController newTimelock) public pure override {
        revert HybridGovernorTimelockLocked(address(newTimelock));
    }

    /// @notice Relays a call from the governor (through a proposal), never to the timelock.
    function relay(address target, uint256 value, bytes calldata data) public payable override {
        if (target == timelock()) revert HybridGovernorRelayToTimelock();
        super.relay(target, value, data);
    }

    // The overrides below only resolve the multiple inheritance.

    /// @inheritdoc GovernorTimelockControl
    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    /// @inheritdoc GovernorTimelockControl
    function proposalNeedsQueuing(
        uint256 proposalId
    ) public view override(Governor, GovernorTimelockControl) returns (bool) {
        return super.proposalNeedsQueuing(proposalId);
    }

    /// @inheritdoc GovernorSettings
    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    /// @inheritdoc GovernorGuardianVeto
    function cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) public override(Governor, GovernorGuardianVeto) returns (uint256) {
        return super.cancel(targets, values, calldatas, descriptionHash);
    }

    function _getVotes(
        address account,
        uint256 timepoint,
        bytes memory params
    ) internal view override(Governor, GovernorVotes, GovernorVotesNodes) returns (uint256) {
        return super._getVotes(account, timepoint, params);
    }

    function _validateCancel(
        uint256 proposalId,
        address caller
    ) internal view override(Governor, GovernorProposalGuardian) returns (bool) {
        return super._validateCancel(proposalId, caller);
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}
