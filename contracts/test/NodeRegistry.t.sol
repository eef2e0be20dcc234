// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {NodeRegistry} from "../registry/NodeRegistry.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @notice NodeRegistry: one-to-one binding, registrar-only changes, checkpointed membership and count.
contract NodeRegistryTest is TestBase {
    NodeRegistry private registry;
    address private constant ADMIN = address(0xA11CE);
    address private constant NODE_A = address(0xA);
    address private constant NODE_B = address(0xB);
    bytes32 private constant ID_A = keccak256("node-a");
    bytes32 private constant ID_B = keccak256("node-b");

    function setUp() public {
        vm.roll(100);
        registry = new NodeRegistry(ADMIN, address(this));
    }

    function test_RegistersBothWays() public {
        registry.registerNode(ID_A, NODE_A);
        assertEq(registry.accountOf(ID_A), NODE_A, "accountOf");
        assertEq(registry.nodeIdOf(NODE_A), ID_A, "nodeIdOf");
        assertTrue(registry.isRegistered(NODE_A), "isRegistered");
        assertEq(registry.nodeCount(), 1, "nodeCount");
    }

    function test_CheckpointsMembershipAndCountAtPastBlocks() public {
        registry.registerNode(ID_A, NODE_A); // block 100
        vm.roll(110);
        registry.registerNode(ID_B, NODE_B); // block 110
        vm.roll(120);
        registry.removeNode(ID_A); // block 120
        vm.roll(130);

        assertEq(registry.nodeCountAt(99), 0, "count before");
        assertEq(registry.nodeCountAt(105), 1, "count after A");
        assertEq(registry.nodeCountAt(115), 2, "count after B");
        assertEq(registry.nodeCountAt(125), 1, "count after removing A");
        assertTrue(registry.isRegisteredAt(NODE_A, 115), "A was a node at 115");
        assertTrue(!registry.isRegisteredAt(NODE_A, 125), "A is no node at 125");
        assertTrue(!registry.isRegisteredAt(NODE_B, 105), "B was no node at 105");
        assertTrue(registry.isRegisteredAt(NODE_B, 129), "B is a node at 129");
    }

    function test_RefusesFutureLookups() public {
        vm.expectRevert(abi.encodeWithSelector(NodeRegistry.NodeRegistryFutureLookup.selector, 100, 100));
        registry.nodeCountAt(100);
        vm.expectRevert(abi.encodeWithSelector(NodeRegistry.NodeRegistryFutureLookup.selector, 101, 100));
        registry.isRegisteredAt(NODE_A, 101);
    }

    function testFuzz_OnlyRegistrarsChangeNodes(address caller) public {
        vm.assume(caller != address(this) && caller != ADMIN);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(NodeRegistry.NodeRegistryUnauthorized.selector, caller));
        registry.registerNode(ID_A, NODE_A);

        registry.registerNode(ID_A, NODE_A);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(NodeRegistry.NodeRegistryUnauthorized.selector, caller));
        registry.removeNode(ID_A);
    }

    function test_TheAdminRegistersToo() public {
        vm.prank(ADMIN);
        registry.registerNode(ID_A, NODE_A);
        assertEq(registry.nodeCount(), 1, "nodeCount");
    }

    function test_KeepsTheBindingOneToOne() public {
        registry.registerNode(ID_A, NODE_A);
        vm.expectRevert(abi.encodeWithSelector(NodeRegistry.NodeRegistryNodeAlreadyRegistered.selector, ID_A, NODE_A));
        registry.registerNode(ID_A, NODE_B);
        vm.expectRevert(abi.encodeWithSelector(NodeRegistry.NodeRegistryAccountInUse.selector, NODE_A, ID_A));
        registry.registerNode(ID_B, NODE_A);
        vm.expectRevert(abi.encodeWithSelector(NodeRegistry.NodeRegistryInvalidNode.selector, bytes32(0), NODE_B));
        registry.registerNode(bytes32(0), NODE_B);
        vm.expectRevert(abi.encodeWithSelector(NodeRegistry.NodeRegistryInvalidNode.selector, ID_B, address(0)));
        registry.registerNode(ID_B, address(0));
        vm.expectRevert(abi.encodeWithSelector(NodeRegistry.NodeRegistryUnknownNode.selector, ID_B));
        registry.removeNode(ID_B);
    }

    function test_ARemovedNodeCanRegisterAgain() public {
        registry.registerNode(ID_A, NODE_A);
        registry.removeNode(ID_A);
        registry.registerNode(ID_A, NODE_B);
        assertEq(registry.accountOf(ID_A), NODE_B, "rebound");
        assertEq(registry.nodeIdOf(NODE_A), bytes32(0), "old account unbound");
        assertEq(registry.nodeCount(), 1, "nodeCount");
    }
}
