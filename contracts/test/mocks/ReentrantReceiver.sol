// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {Treasury} from "../../treasury/Treasury.sol";

/**
 * @title ReentrantReceiver
 * @notice Test double: a malicious payee that, when the treasury pays it, tries to be paid again by
 * calling the treasury directly and by re-executing the paying proposal. It swallows the failures
 * and records their revert data, so tests can assert what stopped each attempt.
 */
contract ReentrantReceiver {
    Treasury private immutable _treasury;
    IGovernor private immutable _governor;

    bytes private _replayCall;

    /// @notice Payments received.
    uint256 public paymentCount;
    /// @notice Wei received in total.
    uint256 public receivedWei;
    /// @notice Revert data of the direct re-entry into the treasury.
    bytes public treasuryReentryError;
    /// @notice Revert data of the attempt to execute the paying proposal again.
    bytes public governorReentryError;

    constructor(Treasury treasury, IGovernor governor) {
        _treasury = treasury;
        _governor = governor;
    }

    /// @notice Stores the proposal that pays this contract, to replay it on payment.
    function arm(
        address[] calldata targets,
        uint256[] calldata values,
        bytes[] calldata calldatas,
        bytes32 descriptionHash
    ) external {
        _replayCall = abi.encodeCall(IGovernor.execute, (targets, values, calldatas, descriptionHash));
    }

    receive() external payable {
        paymentCount += 1;
        receivedWei += msg.value;
        if (paymentCount > 1) return;
        try _treasury.releaseEther(payable(address(this)), msg.value) {} catch (bytes memory reason) {
            treasuryReentryError = reason;
        }
        (bool replayed, bytes memory reason) = address(_governor).call(_replayCall);
        if (!replayed) governorReentryError = reason;
    }
}
