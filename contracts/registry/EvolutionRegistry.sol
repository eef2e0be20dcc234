// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {INodeRegistry} from "../interfaces/INodeRegistry.sol";

/**
 * @title EvolutionRegistry
 * @notice The record of code evolutions: a node's patch (by hash), its sandbox risk score and
 * simulation report hash, and the governor proposal whose execution approves it.
 * @dev Status moves only by governance:
 * - Proposed -> Approved: {approveEvolution}, called by the timelock while executing the linked
 *   proposal (which is exactly `approveEvolution(id)`, bound at {proposeEvolution});
 * - Proposed -> Vetoed: {recordRejection}, by anyone, once the linked proposal is canceled (vetoed),
 *   defeated or expired: it only mirrors what governance decided;
 * - Approved -> Deployed and Approved/Deployed -> RolledBack: timelock only.
 * Nodes merge a patch only when {isApproved} says so: one call.
 */
contract EvolutionRegistry {
    /// @notice The life of an evolution.
    enum EvolutionStatus {
        None,
        Proposed,
        Approved,
        Vetoed,
        Deployed,
        RolledBack
    }

    struct Evolution {
        bytes32 patchHash;
        bytes32 reportHash;
        bytes32 proposerNodeId;
        uint256 governorProposalId;
        uint16 riskScoreBps;
        EvolutionStatus status;
        uint48 proposedAt;
    }

    /// @notice Risk scores are basis points: 0 (harmless) to 10 000 (certain harm).
    uint256 public constant RISK_SCORE_MAX_BPS = 10_000;

    /// @notice The governor whose proposals approve evolutions.
    IGovernor public immutable governor;
    /// @notice The governor's timelock: the only account that moves statuses forward.
    address public immutable timelock;
    /// @notice The registry of nodes allowed to propose.
    INodeRegistry public immutable nodeRegistry;

    mapping(uint256 evolutionId => Evolution) private _evolutions;

    /// @notice Emitted when a node records an evolution linked to `governorProposalId`.
    event EvolutionProposed(
        uint256 indexed evolutionId,
        bytes32 indexed patchHash,
        bytes32 indexed proposerNodeId,
        uint256 governorProposalId,
        uint16 riskScoreBps,
        bytes32 reportHash
    );
    /// @notice Emitted when an evolution's status changes.
    event EvolutionStatusChanged(uint256 indexed evolutionId, EvolutionStatus from, EvolutionStatus to);

    /// @notice `caller` is not a registered node.
    error EvolutionRegistryUnregisteredNode(address caller);
    /// @notice Only the timelock (an executed proposal) may do this; `caller` is not it.
    error EvolutionRegistryUnauthorized(address caller);
    /// @notice The patch hash or report hash is zero.
    error EvolutionRegistryInvalidHash(bytes32 patchHash, bytes32 reportHash);
    /// @notice `riskScoreBps` is above {RISK_SCORE_MAX_BPS}.
    error EvolutionRegistryInvalidRiskScore(uint256 riskScoreBps);
    /// @notice `evolutionId` is already recorded.
    error EvolutionRegistryAlreadyProposed(uint256 evolutionId);
    /// @notice `evolutionId` is not recorded.
    error EvolutionRegistryUnknownEvolution(uint256 evolutionId);
    /// @notice The linked proposal `governorProposalId` is not open (it must be pending or active).
    error EvolutionRegistryProposalNotOpen(uint256 governorProposalId);
    /// @notice The evolution is in `current` status; this needs one of `allowed` (a bitmap of statuses).
    error EvolutionRegistryUnexpectedStatus(uint256 evolutionId, EvolutionStatus current, uint256 allowed);
    /// @notice The linked proposal is in `state`, which does not allow this transition.
    error EvolutionRegistryUnexpectedProposalState(uint256 evolutionId, uint256 governorProposalId, IGovernor.ProposalState state);

    /**
     * @param governorAddress The governor (a {GovernorTimelockControl}); its timelock drives statuses.
     * @param nodeRegistryAddress The node registry.
     */
    constructor(GovernorTimelockControl governorAddress, INodeRegistry nodeRegistryAddress) {
        governor = governorAddress;
        timelock = governorAddress.timelock();
        nodeRegistry = nodeRegistryAddress;
    }

    modifier onlyTimelock() {
        if (msg.sender != timelock) revert EvolutionRegistryUnauthorized(msg.sender);
        _;
    }

    /**
     * @notice The id of an evolution: a hash of its patch, report and proposing node.
     * @param patchHash SHA-256 of the patch file.
     * @param reportHash SHA-256 of the simulation report.
     * @param proposerNodeId The proposing node.
     */
    function evolutionIdOf(bytes32 patchHash, bytes32 reportHash, bytes32 proposerNodeId) public pure returns (uint256) {
        return uint256(keccak256(abi.encode(patchHash, reportHash, proposerNodeId)));
    }

    /**
     * @notice The governor proposal that approves `evolutionId`: one call, `approveEvolution(evolutionId)`
     * on this registry, with the given description hash.
     * @param evolutionId The evolution.
     * @param descriptionHash keccak256 of the proposal description.
     */
    function approvalProposalIdOf(uint256 evolutionId, bytes32 descriptionHash) public view returns (uint256) {
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = approvalCalls(evolutionId);
        return governor.getProposalId(targets, values, calldatas, descriptionHash);
    }

    /**
     * @notice The proposal actions that approve `evolutionId` (to pass to `governor.propose`).
     * @param evolutionId The evolution.
     */
    function approvalCalls(
        uint256 evolutionId
    ) public view returns (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) {
        targets = new address[](1);
        values = new uint256[](1);
        calldatas = new bytes[](1);
        targets[0] = address(this);
        calldatas[0] = abi.encodeCall(this.approveEvolution, (evolutionId));
    }

    /**
     * @notice Records the caller node's evolution. The caller must first have opened the governor
     * proposal {approvalCalls}(id) with a description hashing to `descriptionHash`; it must still be
     * pending or active.
     * @param patchHash SHA-256 of the patch file.
     * @param riskScoreBps The sandbox risk score, 0..10 000.
     * @param reportHash SHA-256 of the simulation report.
     * @param descriptionHash keccak256 of the governor proposal's description.
     * @return evolutionId The new evolution's id.
     */
    function proposeEvolution(
        bytes32 patchHash,
        uint16 riskScoreBps,
        bytes32 reportHash,
        bytes32 descriptionHash
    ) external returns (uint256 evolutionId) {
        bytes32 nodeId = nodeRegistry.nodeIdOf(msg.sender);
        if (nodeId == bytes32(0)) revert EvolutionRegistryUnregisteredNode(msg.sender);
        if (patchHash == bytes32(0) || reportHash == bytes32(0)) revert EvolutionRegistryInvalidHash(patchHash, reportHash);
        if (riskScoreBps > RISK_SCORE_MAX_BPS) revert EvolutionRegistryInvalidRiskScore(riskScoreBps);
        evolutionId = evolutionIdOf(patchHash, reportHash, nodeId);
        if (_evolutions[evolutionId].status != EvolutionStatus.None) revert EvolutionRegistryAlreadyProposed(evolutionId);

        uint256 governorProposalId = approvalProposalIdOf(evolutionId, descriptionHash);
        if (governor.proposalSnapshot(governorProposalId) == 0) revert EvolutionRegistryProposalNotOpen(governorProposalId);
        IGovernor.ProposalState proposalState = governor.state(governorProposalId);
        if (proposalState != IGovernor.ProposalState.Pending && proposalState != IGovernor.ProposalState.Active) {
            revert EvolutionRegistryProposalNotOpen(governorProposalId);
        }

        _evolutions[evolutionId] = Evolution({
            patchHash: patchHash,
            reportHash: reportHash,
            proposerNodeId: nodeId,
            governorProposalId: governorProposalId,
            riskScoreBps: riskScoreBps,
            status: EvolutionStatus.Proposed,
            proposedAt: uint48(block.number)
        });
        emit EvolutionProposed(evolutionId, patchHash, nodeId, governorProposalId, riskScoreBps, reportHash);
        emit EvolutionStatusChanged(evolutionId, EvolutionStatus.None, EvolutionStatus.Proposed);
    }

    /**
     * @notice Approves `evolutionId`. Only the timelock, while executing the linked proposal.
     * @param evolutionId The evolution.
     */
    function approveEvolution(uint256 evolutionId) external onlyTimelock {
        Evolution storage evolution = _evolution(evolutionId);
        _requireStatus(evolutionId, evolution.status, _bit(EvolutionStatus.Proposed));
        IGovernor.ProposalState proposalState = governor.state(evolution.governorProposalId);
        if (proposalState != IGovernor.ProposalState.Executed) {
            revert EvolutionRegistryUnexpectedProposalState(evolutionId, evolution.governorProposalId, proposalState);
        }
        _setStatus(evolutionId, evolution, EvolutionStatus.Approved);
    }

    /**
     * @notice Marks `evolutionId` Vetoed once governance rejected it: its linked proposal was
     * canceled (the guardian's veto), defeated or expired. Anyone may call it.
     * @param evolutionId The evolution.
     */
    function recordRejection(uint256 evolutionId) external {
        Evolution storage evolution = _evolution(evolutionId);
        _requireStatus(evolutionId, evolution.status, _bit(EvolutionStatus.Proposed));
        IGovernor.ProposalState proposalState = governor.state(evolution.governorProposalId);
        if (
            proposalState != IGovernor.ProposalState.Canceled &&
            proposalState != IGovernor.ProposalState.Defeated &&
            proposalState != IGovernor.ProposalState.Expired
        ) {
            revert EvolutionRegistryUnexpectedProposalState(evolutionId, evolution.governorProposalId, proposalState);
        }
        _setStatus(evolutionId, evolution, EvolutionStatus.Vetoed);
    }

    /**
     * @notice Marks an approved evolution Deployed (merged by the nodes). Only the timelock.
     * @param evolutionId The evolution.
     */
    function markDeployed(uint256 evolutionId) external onlyTimelock {
        Evolution storage evolution = _evolution(evolutionId);
        _requireStatus(evolutionId, evolution.status, _bit(EvolutionStatus.Approved));
        _setStatus(evolutionId, evolution, EvolutionStatus.Deployed);
    }

    /**
     * @notice Marks an approved or deployed evolution RolledBack: nodes must revert it. Only the timelock.
     * @param evolutionId The evolution.
     */
    function markRolledBack(uint256 evolutionId) external onlyTimelock {
        Evolution storage evolution = _evolution(evolutionId);
        _requireStatus(evolutionId, evolution.status, _bit(EvolutionStatus.Approved) | _bit(EvolutionStatus.Deployed));
        _setStatus(evolutionId, evolution, EvolutionStatus.RolledBack);
    }

    /**
     * @notice Did governance approve this exact patch (and not roll it back)? The one question a node
     * asks before merging.
     * @param evolutionId The evolution.
     * @param patchHash The hash of the patch the node is about to merge.
     */
    function isApproved(uint256 evolutionId, bytes32 patchHash) external view returns (bool) {
        Evolution storage evolution = _evolutions[evolutionId];
        EvolutionStatus status = evolution.status;
        return
            evolution.patchHash == patchHash &&
            (status == EvolutionStatus.Approved || status == EvolutionStatus.Deployed);
    }

    /**
     * @notice The full record of `evolutionId` (status None if unknown).
     * @param evolutionId The evolution.
     */
    function getEvolution(uint256 evolutionId) external view returns (Evolution memory) {
        return _evolutions[evolutionId];
    }

    function _evolution(uint256 evolutionId) private view returns (Evolution storage evolution) {
        evolution = _evolutions[evolutionId];
        if (evolution.status == EvolutionStatus.None) revert EvolutionRegistryUnknownEvolution(evolutionId);
    }

    function _requireStatus(uint256 evolutionId, EvolutionStatus current, uint256 allowed) private pure {
        if (_bit(current) & allowed == 0) revert EvolutionRegistryUnexpectedStatus(evolutionId, current, allowed);
    }

    function _setStatus(uint256 evolutionId, Evolution storage evolution, EvolutionStatus next) private {
        EvolutionStatus previous = evolution.status;
        evolution.status = next;
        emit EvolutionStatusChanged(evolutionId, previous, next);
    }

    function _bit(EvolutionStatus status) private pure returns (uint256) {
        return 1 << uint8(status);
    }
}
