// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {INodeRegistry} from "../../interfaces/INodeRegistry.sol";
import {HybridVoting, HybridGovernorInvalidVoteParams} from "../HybridVoting.sol";

/**
 * @title GovernorVotesNodes
 * @notice Voting-weight module of {Governor}: human weight from the ERC20Votes token ({GovernorVotes})
 * and AI advisory weight for nodes registered in a {INodeRegistry} at the proposal's snapshot.
 * @dev The advisory budget at a snapshot is {HybridVoting-advisoryCap} of the token's total supply,
 * shared equally by the nodes registered then. The budget, the node count and each node's
 * membership are all read at the snapshot, so registering nodes later never adds weight, and the
 * sum of all advisory weights can never pass the bound however many nodes there are.
 */
abstract contract GovernorVotesNodes is GovernorVotes {
    INodeRegistry private immutable _nodeRegistry;

    /// @notice `account` was not a registered node at the proposal snapshot `timepoint`.
    error HybridGovernorUnregisteredNode(address account, uint256 timepoint);
    /// @notice The node registry's clock differs from the token's clock.
    error HybridGovernorClockMismatch(string tokenClockMode, string nodeRegistryClockMode);

    constructor(INodeRegistry nodeRegistryAddress) {
        string memory tokenClockMode = token().CLOCK_MODE();
        string memory registryClockMode = nodeRegistryAddress.CLOCK_MODE();
        if (keccak256(bytes(tokenClockMode)) != keccak256(bytes(registryClockMode))) {
            revert HybridGovernorClockMismatch(tokenClockMode, registryClockMode);
        }
        _nodeRegistry = nodeRegistryAddress;
    }

    /// @notice The registry whose nodes hold AI advisory voting rights.
    function nodeRegistry() public view virtual returns (INodeRegistry) {
        return _nodeRegistry;
    }

    /**
     * @notice The advisory weight of one registered node at `timepoint` (a past snapshot).
     * @param timepoint A past clock value, typically a proposal snapshot.
     */
    function advisoryWeight(uint256 timepoint) public view virtual returns (uint256) {
        uint256 nodes = _nodeRegistry.nodeCountAt(timepoint);
        if (nodes == 0) return 0;
        return HybridVoting.advisoryCap(token().getPastTotalSupply(timepoint)) / nodes;
    }

    /// @dev Empty `params` read human weight from the token; advisory `params` read node weight.
    function _getVotes(
        address account,
        uint256 timepoint,
        bytes memory params
    ) internal view virtual override returns (uint256) {
        if (params.length == 0) return super._getVotes(account, timepoint, params);
        if (!HybridVoting.isAdvisory(params)) revert HybridGovernorInvalidVoteParams(params);
        if (!_nodeRegistry.isRegisteredAt(account, timepoint)) {
            revert HybridGovernorUnregisteredNode(account, timepoint);
        }
        return advisoryWeight(timepoint);
    }
}
