// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Treasury} from "../treasury/Treasury.sol";
import {IusdToken} from "../token/IusdToken.sol";
import {TestBase} from "./utils/TestBase.sol";

/**
 * @notice Treasury unit tests. This test contract plays the timelock, so it can exercise the
 * reentrancy guard directly: when paid, it calls the treasury again.
 */
contract TreasuryTest is TestBase {
    Treasury private treasury;
    IusdToken private iusd;
    bool private reenterOnPayment;
    bytes private reentryError;

    function setUp() public {
        iusd = new IusdToken(address(this), address(this), 1_000 ether);
        treasury = new Treasury(address(this), IERC20(address(iusd)));
        vm.deal(address(treasury), 10 ether);
        iusd.transfer(address(treasury), 1_000 ether);
    }

    receive() external payable {
        if (!reenterOnPayment) return;
        reenterOnPayment = false;
        try treasury.releaseEther(payable(address(this)), msg.value) {} catch (bytes memory reason) {
            reentryError = reason;
        }
    }

    function test_TheTimelockReleasesEtherAndTokens() public {
        uint256 before = address(this).balance;
        treasury.releaseEther(payable(address(this)), 1 ether);
        assertEq(address(this).balance - before, 1 ether, "ether received");
        treasury.releaseToken(IERC20(address(iusd)), address(0xBEEF), 5 ether);
        assertEq(iusd.balanceOf(address(0xBEEF)), 5 ether, "iUSD received");
        assertEq(treasury.iusdBalance(), 995 ether, "iUSD left");
    }

    function test_ReentryDuringAPaymentHitsTheGuard() public {
        reenterOnPayment = true;
        treasury.releaseEther(payable(address(this)), 1 ether);
        assertEq(keccak256(reentryError), keccak256(abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)), "reentry refused");
        assertEq(address(treasury).balance, 9 ether, "paid once");
    }

    function testFuzz_NobodyElseReleases(address caller, uint256 amount) public {
        vm.assume(caller != address(this));
        amount = amount % 10 ether;
        vm.startPrank(caller);
        vm.expectRevert(abi.encodeWithSelector(Treasury.TreasuryUnauthorized.selector, caller));
        treasury.releaseEther(payable(caller), amount);
        vm.expectRevert(abi.encodeWithSelector(Treasury.TreasuryUnauthorized.selector, caller));
        treasury.releaseToken(IERC20(address(iusd)), caller, amount);
        vm.stopPrank();
        assertEq(address(treasury).balance, 10 ether, "ether kept");
        assertEq(iusd.balanceOf(address(treasury)), 1_000 ether, "iUSD kept");
    }

    function test_RefusesOverdraftsAndTheZeroRecipient() public {
        vm.expectRevert(abi.encodeWithSelector(Treasury.TreasuryInsufficientEther.selector, 11 ether, 10 ether));
        treasury.releaseEther(payable(address(this)), 11 ether);
        vm.expectRevert(abi.encodeWithSelector(Treasury.TreasuryZeroRecipient.selector));
        treasury.releaseEther(payable(address(0)), 1);
        vm.expectRevert(abi.encodeWithSelector(Treasury.TreasuryZeroRecipient.selector));
        treasury.releaseToken(IERC20(address(iusd)), address(0), 1);
    }

    function test_RejectsUnknownCalls() public {
        (bool ok, bytes memory reason) = address(treasury).call(abi.encodeWithSignature("withdrawAll()"));
        assertTrue(!ok, "unknown call fails");
        assertEq(keccak256(reason), keccak256(abi.encodeWithSelector(Treasury.TreasuryUnsupportedCall.selector, bytes4(keccak256("withdrawAll()")))), "reason");
    }
}
