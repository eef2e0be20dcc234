// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";
import {INodeRegistry} from "../interfaces/INodeRegistry.sol";

/**
 * @title NodeRegistry
 * @notice Binds swarm node ids (32-byte Ed25519 public keys) to EVM accounts, one to one. Registered
 * nodes may cast AI advisory votes, post ledger roots and propose evolutions.
 * @dev Membership of each account and the total node count are checkpointed on a block-number clock
 * (the clock of `ConstitutionToken`), so the governor can size AI weight at a proposal's snapshot
 * without storing anything when the proposal is made. Nodes are added and removed by holders of
 * `REGISTRAR_ROLE`: the timelock (governance) and, optionally, an operator registrar.
 */
contract NodeRegistry is AccessControl, INodeRegistry {
    using Checkpoints for Checkpoints.Trace208;

    /// @notice The role allowed to register and remove nodes.
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");

    /// @notice The most nodes that may be registered at once.
    uint256 public constant NODE_COUNT_MAX = 10_000;

    mapping(bytes32 nodeId => address account) private _accountOf;
    mapping(address account => bytes32 nodeId) private _nodeIdOf;
    mapping(address account => Checkpoints.Trace208) private _membership;
    Checkpoints.Trace208 private _nodeCount;

    /// @notice The caller lacks `REGISTRAR_ROLE`.
    error NodeRegistryUnauthorized(address caller);
    /// @notice A zero node id or zero account was given.
    error NodeRegistryInvalidNode(bytes32 nodeId, address account);
    /// @notice `nodeId` is already bound to an account.
    error NodeRegistryNodeAlreadyRegistered(bytes32 nodeId, address account);
    /// @notice `account` is already bound to a node id.
    error NodeRegistryAccountInUse(address account, bytes32 nodeId);
    /// @notice `nodeId` is not registered.
    error NodeRegistryUnknownNode(bytes32 nodeId);
    /// @notice Registering one more node would exceed `NODE_COUNT_MAX`.
    error NodeRegistryFull(uint256 nodeCountMax);
    /// @notice A past lookup asked about `timepoint`, which is not in the past of `clock`.
    error NodeRegistryFutureLookup(uint256 timepoint, uint48 clock);

    /**
     * @param admin Holder of `DEFAULT_ADMIN_ROLE` and `REGISTRAR_ROLE` (the timelock).
     * @param registrar An extra `REGISTRAR_ROLE` holder (an operator), or the zero address for none.
     */
    constructor(address admin, address registrar) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(REGISTRAR_ROLE, admin);
        if (registrar != address(0)) _grantRole(REGISTRAR_ROLE, registrar);
    }

    modifier onlyRegistrar() {
        if (!hasRole(REGISTRAR_ROLE, _msgSender())) revert NodeRegistryUnauthorized(_msgSender());
        _;
    }

    /**
     * @notice Registers `nodeId` with `account`. Only `REGISTRAR_ROLE`.
     * @param nodeId The node's Ed25519 public key.
     * @param account The EVM account that acts for the node on chain.
     */
    function registerNode(bytes32 nodeId, address account) external onlyRegistrar {
        if (nodeId == bytes32(0) || account == address(0)) revert NodeRegistryInvalidNode(nodeId, account);
        address boundAccount = _accountOf[nodeId];
        if (boundAccount != address(0)) revert NodeRegistryNodeAlreadyRegistered(nodeId, boundAccount);
        bytes32 boundNodeId = _nodeIdOf[account];
        if (boundNodeId != bytes32(0)) revert NodeRegistryAccountInUse(account, boundNodeId);
        uint256 count = _nodeCount.latest();
        if (count >= NODE_COUNT_MAX) revert NodeRegistryFull(NODE_COUNT_MAX);

        _accountOf[nodeId] = account;
        _nodeIdOf[account] = nodeId;
        uint48 timepoint = clock();
        _membership[account].push(timepoint, 1);
        _nodeCount.push(timepoint, SafeCast.toUint208(count + 1));
        emit NodeRegistered(nodeId, account);
    }

    /**
     * @notice Removes `nodeId`. Only `REGISTRAR_ROLE`. Votes at snapshots taken before the removal still count.
     * @param nodeId The node to remove.
     */
    function removeNode(bytes32 nodeId) external onlyRegistrar {
        address account = _accountOf[nodeId];
        if (account == address(0)) revert NodeRegistryUnknownNode(nodeId);

        delete _accountOf[nodeId];
        delete _nodeIdOf[account];
        uint48 timepoint = clock();
        _membership[account].push(timepoint, 0);
        _nodeCount.push(timepoint, _nodeCount.latest() - 1);
        emit NodeRemoved(nodeId, account);
    }

    /// @inheritdoc INodeRegistry
    function accountOf(bytes32 nodeId) external view returns (address) {
        return _accountOf[nodeId];
    }

    /// @inheritdoc INodeRegistry
    function nodeIdOf(address account) external view returns (bytes32) {
        return _nodeIdOf[account];
    }

    /// @inheritdoc INodeRegistry
    function isRegistered(address account) external view returns (bool) {
        return _nodeIdOf[account] != bytes32(0);
    }

    /// @inheritdoc INodeRegistry
    function isRegisteredAt(address account, uint256 timepoint) external view returns (bool) {
        return _membership[account].upperLookupRecent(_validatePastTimepoint(timepoint)) == 1;
    }

    /// @inheritdoc INodeRegistry
    function nodeCount() external view returns (uint256) {
        return _nodeCount.latest();
    }

    /// @inheritdoc INodeRegistry
    function nodeCountAt(uint256 timepoint) external view returns (uint256) {
        return _nodeCount.upperLookupRecent(_validatePastTimepoint(timepoint));
    }

    /// @notice The current block number: the registry's clock, matching `ConstitutionToken`.
    function clock() public view returns (uint48) {
        return Time.blockNumber();
    }

    /// @notice The ERC-6372 description of the clock.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() external pure returns (string memory) {
        return "mode=blocknumber&from=default";
    }

    function _validatePastTimepoint(uint256 timepoint) private view returns (uint48) {
        uint48 currentTimepoint = clock();
        if (timepoint >= currentTimepoint) revert NodeRegistryFutureLookup(timepoint, currentTimepoint);
        return SafeCast.toUint48(timepoint);
    }
}
