// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {INodeRegistry} from "../interfaces/INodeRegistry.sol";

/**
 * @title LedgerAnchor
 * @notice Registered nodes anchor their ledger state root per epoch; anyone can read whether nodes
 * agree. Nodes that never meet still detect divergence by comparing roots here.
 * @dev Each node posts at most once per epoch. The leading root (most posts, the earliest to reach
 * that count on a tie) is maintained on every post, so {agreement} is O(1).
 */
contract LedgerAnchor {
    struct EpochTally {
        bytes32 leadingRoot;
        uint64 leadingCount;
        uint64 totalPosts;
    }

    /// @notice The registry that says which accounts are nodes.
    INodeRegistry public immutable nodeRegistry;

    mapping(uint64 epoch => EpochTally) private _tallies;
    mapping(uint64 epoch => mapping(bytes32 nodeId => bytes32 root)) private _rootOf;
    mapping(uint64 epoch => mapping(bytes32 root => uint64 posts)) private _postsFor;

    /// @notice Emitted when `nodeId` anchors `root` for `epoch`.
    event RootPosted(uint64 indexed epoch, bytes32 indexed nodeId, bytes32 root);

    /// @notice `caller` is not a registered node.
    error LedgerAnchorUnregisteredNode(address caller);
    /// @notice A zero root was posted.
    error LedgerAnchorZeroRoot(uint64 epoch);
    /// @notice `nodeId` already posted `root` for `epoch`.
    error LedgerAnchorAlreadyPosted(uint64 epoch, bytes32 nodeId, bytes32 root);

    /// @param nodeRegistryAddress The node registry.
    constructor(INodeRegistry nodeRegistryAddress) {
        nodeRegistry = nodeRegistryAddress;
    }

    /**
     * @notice Anchors the caller node's ledger state root for `epoch`; once per node and epoch.
     * @param epoch The ledger epoch.
     * @param root The node's state root at the end of `epoch`.
     */
    function postRoot(uint64 epoch, bytes32 root) external {
        bytes32 nodeId = nodeRegistry.nodeIdOf(msg.sender);
        if (nodeId == bytes32(0)) revert LedgerAnchorUnregisteredNode(msg.sender);
        if (root == bytes32(0)) revert LedgerAnchorZeroRoot(epoch);
        bytes32 posted = _rootOf[epoch][nodeId];
        if (posted != bytes32(0)) revert LedgerAnchorAlreadyPosted(epoch, nodeId, posted);

        _rootOf[epoch][nodeId] = root;
        uint64 posts = ++_postsFor[epoch][root];
        EpochTally storage tally = _tallies[epoch];
        tally.totalPosts += 1;
        if (posts > tally.leadingCount) {
            tally.leadingCount = posts;
            tally.leadingRoot = root;
        }
        emit RootPosted(epoch, nodeId, root);
    }

    /**
     * @notice How far nodes agree on `epoch`.
     * @param epoch The ledger epoch.
     * @return root The root with the most posts (zero if none).
     * @return count Posts of `root`.
     * @return total All posts for `epoch`; `count == total` means every posting node agrees.
     */
    function agreement(uint64 epoch) external view returns (bytes32 root, uint256 count, uint256 total) {
        EpochTally storage tally = _tallies[epoch];
        return (tally.leadingRoot, tally.leadingCount, tally.totalPosts);
    }

    /**
     * @notice The root `nodeId` posted for `epoch`, or zero.
     * @param epoch The ledger epoch.
     * @param nodeId The node.
     */
    function rootOf(uint64 epoch, bytes32 nodeId) external view returns (bytes32) {
        return _rootOf[epoch][nodeId];
    }

    /**
     * @notice How many nodes posted `root` for `epoch`.
     * @param epoch The ledger epoch.
     * @param root A state root.
     */
    function postsFor(uint64 epoch, bytes32 root) external view returns (uint256) {
        return _postsFor[epoch][root];
    }
}
