// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC6372} from "@openzeppelin/contracts/interfaces/IERC6372.sol";

/**
 * @title INodeRegistry
 * @notice The registry of swarm nodes: node id (Ed25519 public key) <-> EVM account, with membership
 * and the node count checkpointed on the same clock as the governance token.
 */
interface INodeRegistry is IERC6372 {
    /// @notice Emitted when `nodeId` is registered with `account`.
    event NodeRegistered(bytes32 indexed nodeId, address indexed account);

    /// @notice Emitted when `nodeId` (bound to `account`) is removed.
    event NodeRemoved(bytes32 indexed nodeId, address indexed account);

    /// @notice The EVM account bound to `nodeId`, or the zero address.
    function accountOf(bytes32 nodeId) external view returns (address);

    /// @notice The node id bound to `account`, or zero.
    function nodeIdOf(address account) external view returns (bytes32);

    /// @notice Whether `account` is a registered node now.
    function isRegistered(address account) external view returns (bool);

    /// @notice Whether `account` was a registered node at `timepoint` (which must be in the past).
    function isRegisteredAt(address account, uint256 timepoint) external view returns (bool);

    /// @notice The number of registered nodes now.
    function nodeCount() external view returns (uint256);

    /// @notice The number of registered nodes at `timepoint` (which must be in the past).
    function nodeCountAt(uint256 timepoint) external view returns (uint256);
}
