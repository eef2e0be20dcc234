// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {GuardedTimelock} from "../governance/GuardedTimelock.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @notice GuardedTimelock: permanent cancellers, no role grants by the timelock itself, a delay floor.
contract GuardedTimelockTest is TestBase {
    GuardedTimelock private timelock;
    address private constant GOVERNOR = address(0x6011);
    address private constant OUTSIDER = address(0x0BAD);
    bytes32 private proposerRole;
    bytes32 private cancellerRole;

    function setUp() public {
        timelock = new GuardedTimelock(60, 10, address(this));
        proposerRole = timelock.PROPOSER_ROLE();
        cancellerRole = timelock.CANCELLER_ROLE();
        timelock.grantRole(proposerRole, GOVERNOR);
        timelock.grantRole(cancellerRole, GOVERNOR);
    }

    function test_TheSetupAdminGrantsRolesThenRenounces() public {
        assertTrue(timelock.hasRole(proposerRole, GOVERNOR), "proposer granted");
        timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), address(this));
        assertTrue(!timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), address(this)), "renounced");
    }

    function test_CancellersArePermanent() public {
        vm.expectRevert(abi.encodeWithSelector(GuardedTimelock.GuardedTimelockCancellerPermanent.selector, GOVERNOR));
        timelock.revokeRole(cancellerRole, GOVERNOR);
        vm.prank(GOVERNOR);
        vm.expectRevert(abi.encodeWithSelector(GuardedTimelock.GuardedTimelockCancellerPermanent.selector, GOVERNOR));
        timelock.renounceRole(cancellerRole, GOVERNOR);
    }

    function test_TheTimelockItselfGrantsOnlyCancellers() public {
        vm.startPrank(address(timelock));
        vm.expectRevert(abi.encodeWithSelector(GuardedTimelock.GuardedTimelockRoleLocked.selector, proposerRole, OUTSIDER));
        timelock.grantRole(proposerRole, OUTSIDER);
        bytes32 adminRole = timelock.DEFAULT_ADMIN_ROLE();
        vm.expectRevert(abi.encodeWithSelector(GuardedTimelock.GuardedTimelockRoleLocked.selector, adminRole, OUTSIDER));
        timelock.grantRole(adminRole, OUTSIDER);
        timelock.grantRole(cancellerRole, OUTSIDER);
        vm.stopPrank();
        assertTrue(timelock.hasRole(cancellerRole, OUTSIDER), "an extra canceller may be added");
    }

    function test_TheDelayNeverDropsBelowTheFloor() public {
        vm.startPrank(address(timelock));
        vm.expectRevert(abi.encodeWithSelector(GuardedTimelock.GuardedTimelockDelayBelowFloor.selector, 9, 10));
        timelock.updateDelay(9);
        timelock.updateDelay(10);
        vm.stopPrank();
        assertEq(timelock.getMinDelay(), 10, "delay at the floor");
    }

    function test_AFloorAboveTheDelayIsRefused() public {
        vm.expectRevert(abi.encodeWithSelector(GuardedTimelock.GuardedTimelockDelayBelowFloor.selector, 5, 10));
        new GuardedTimelock(5, 10, address(this));
    }
}
