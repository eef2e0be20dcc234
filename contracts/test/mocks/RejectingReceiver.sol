// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title RejectingReceiver
 * @notice Test double: a payee that refuses every ETH payment.
 */
contract RejectingReceiver {
    error RejectingReceiverRefused();

    receive() external payable {
        revert RejectingReceiverRefused();
    }
}
