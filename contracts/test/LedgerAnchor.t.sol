// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LedgerAnchor} from "../ledger/LedgerAnchor.sol";
import {NodeRegistry} from "../registry/NodeRegistry.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @notice LedgerAnchor: per-epoch roots from registered nodes and the agreement among them.
contract LedgerAnchorTest is TestBase {
    NodeRegistry private registry;
    LedgerAnchor private anchor;
    bytes32 private constant ROOT_X = keccak256("root-x");
    bytes32 private constant ROOT_Y = keccak256("root-y");

    function setUp() public {
        registry = new NodeRegistry(address(this), address(0));
        anchor = new LedgerAnchor(registry);
        for (uint256 index = 1; index <= 5; index++) {
            registry.registerNode(_nodeId(index), _node(index));
        }
    }

    function _node(uint256 index) private pure returns (address) {
        return address(uint160(0x1000 + index));
    }

    function _nodeId(uint256 index) private pure returns (bytes32) {
        return keccak256(abi.encode("node", index));
    }

    function _post(uint256 index, uint64 epoch, bytes32 root) private {
        vm.prank(_node(index));
        anchor.postRoot(epoch, root);
    }

    function test_AllAgree() public {
        for (uint256 index = 1; index <= 5; index++) _post(index, 7, ROOT_X);
        (bytes32 root, uint256 count, uint256 total) = anchor.agreement(7);
        assertEq(root, ROOT_X, "root");
        assertEq(count, 5, "count");
        assertEq(total, 5, "total");
    }

    function test_MajorityLeadsAndEveryRootIsReadable() public {
        _post(1, 3, ROOT_Y);
        _post(2, 3, ROOT_X);
        _post(3, 3, ROOT_X);
        _post(4, 3, ROOT_Y);
        _post(5, 3, ROOT_X);
        (bytes32 root, uint256 count, uint256 total) = anchor.agreement(3);
        assertEq(root, ROOT_X, "leading root");
        assertEq(count, 3, "leading count");
        assertEq(total, 5, "total");
        assertEq(anchor.rootOf(3, _nodeId(1)), ROOT_Y, "node 1 diverges");
        assertEq(anchor.rootOf(3, _nodeId(2)), ROOT_X, "node 2");
        assertEq(anchor.postsFor(3, ROOT_Y), 2, "posts of the minority root");
    }

    function test_OnATieTheFirstRootToReachTheCountLeads() public {
        _post(1, 4, ROOT_Y);
        _post(2, 4, ROOT_X);
        (bytes32 root, uint256 count, uint256 total) = anchor.agreement(4);
        assertEq(root, ROOT_Y, "first root keeps the lead");
        assertEq(count, 1, "count");
        assertEq(total, 2, "total");
    }

    function test_EpochsAreIndependent() public {
        _post(1, 1, ROOT_X);
        _post(1, 2, ROOT_Y);
        (bytes32 root, , ) = anchor.agreement(2);
        assertEq(root, ROOT_Y, "epoch 2");
        (bytes32 none, uint256 count, uint256 total) = anchor.agreement(9);
        assertEq(none, bytes32(0), "no root for an empty epoch");
        assertEq(count + total, 0, "no posts");
    }

    function test_RefusesUnregisteredNodesDoublePostsAndZeroRoots() public {
        vm.prank(address(0xBAD));
        vm.expectRevert(abi.encodeWithSelector(LedgerAnchor.LedgerAnchorUnregisteredNode.selector, address(0xBAD)));
        anchor.postRoot(1, ROOT_X);

        _post(1, 1, ROOT_X);
        vm.prank(_node(1));
        vm.expectRevert(abi.encodeWithSelector(LedgerAnchor.LedgerAnchorAlreadyPosted.selector, uint64(1), _nodeId(1), ROOT_X));
        anchor.postRoot(1, ROOT_Y);

        vm.prank(_node(2));
        vm.expectRevert(abi.encodeWithSelector(LedgerAnchor.LedgerAnchorZeroRoot.selector, uint64(1)));
        anchor.postRoot(1, bytes32(0));
    }

    function test_ARemovedNodeCannotPost() public {
        registry.removeNode(_nodeId(5));
        vm.prank(_node(5));
        vm.expectRevert(abi.encodeWithSelector(LedgerAnchor.LedgerAnchorUnregisteredNode.selector, _node(5)));
        anchor.postRoot(1, ROOT_X);
    }
}
