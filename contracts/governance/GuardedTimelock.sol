// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/**
 * @title GuardedTimelock
 * @notice The governance timelock: an OpenZeppelin {TimelockController} that protects the human veto.
 * @dev Three rules keep the veto out of reach of proposals (which execute as this timelock):
 * - `CANCELLER_ROLE` is never revoked or renounced, so the governor can always cancel a queued
 *   operation when the guardian vetoes its proposal;
 * - the timelock cannot grant any role but `CANCELLER_ROLE`, so no proposal can add a proposer or an
 *   executor that would schedule or run operations around the governor (and its veto), nor an admin
 *   that could do so;
 * - the delay never drops below `delayFloor`, so a queued proposal always waits long enough to be vetoed.
 * Roles are set up by a deployer admin, who then renounces `DEFAULT_ADMIN_ROLE`.
 */
contract GuardedTimelock is TimelockController {
    /// @notice The smallest delay the timelock can ever have, in seconds.
    uint256 public immutable delayFloor;

    /// @notice `CANCELLER_ROLE` cannot be taken from `account`.
    error GuardedTimelockCancellerPermanent(address account);
    /// @notice The timelock itself (a proposal) cannot grant `role` to `account`.
    error GuardedTimelockRoleLocked(bytes32 role, address account);
    /// @notice `delay` is below the floor `floor`.
    error GuardedTimelockDelayBelowFloor(uint256 delay, uint256 floor);

    /**
     * @param minDelay Initial delay of operations, in seconds.
     * @param delayFloor_ The smallest delay allowed forever, in seconds.
     * @param admin Temporary admin that grants the governor its roles and then renounces.
     */
    constructor(
        uint256 minDelay,
        uint256 delayFloor_,
        address admin
    ) TimelockController(minDelay, new address[](0), new address[](0), admin) {
        if (minDelay < delayFloor_) revert GuardedTimelockDelayBelowFloor(minDelay, delayFloor_);
        delayFloor = delayFloor_;
    }

    /**
     * @notice Changes the delay; only the timelock itself (a proposal), never below `delayFloor`.
     * @param newDelay The new delay in seconds.
     */
    function updateDelay(uint256 newDelay) public virtual override {
        if (_msgSender() != address(this)) revert TimelockUnauthorizedCaller(_msgSender());
        if (newDelay < delayFloor) revert GuardedTimelockDelayBelowFloor(newDelay, delayFloor);
        super.updateDelay(newDelay);
    }

    function _grantRole(bytes32 role, address account) internal virtual override returns (bool) {
        if (_msgSender() == address(this) && role != CANCELLER_ROLE) revert GuardedTimelockRoleLocked(role, account);
        return super._grantRole(role, account);
    }

    function _revokeRole(bytes32 role, address account) internal virtual override returns (bool) {
        if (role == CANCELLER_ROLE) revert GuardedTimelockCancellerPermanent(account);
        return super._revokeRole(role, account);
    }
}
