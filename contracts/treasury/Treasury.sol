// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/**
 * @title Treasury
 * @notice Custody of the swarm's ETH and iUSD. Anyone may deposit; funds leave only through an
 * executed governance proposal, i.e. a call from the timelock. Everything else is rejected.
 */
contract Treasury is ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice The governance timelock: the only account that can release funds.
    address public immutable timelock;
    /// @notice The iUSD token held in custody.
    IERC20 public immutable iusd;

    /// @notice Emitted when `from` deposits `amount` wei.
    event EtherDeposited(address indexed from, uint256 amount);
    /// @notice Emitted when governance releases `amount` wei to `to`.
    event EtherReleased(address indexed to, uint256 amount);
    /// @notice Emitted when governance releases `amount` of `token` to `to`.
    event TokenReleased(IERC20 indexed token, address indexed to, uint256 amount);

    /// @notice Only the timelock (an executed proposal) may release funds; `caller` is not it.
    error TreasuryUnauthorized(address caller);
    /// @notice A release to the zero address was refused.
    error TreasuryZeroRecipient();
    /// @notice `requested` wei is more than the `available` balance.
    error TreasuryInsufficientEther(uint256 requested, uint256 available);
    /// @notice Sending `amount` wei to `to` failed (the recipient reverted).
    error TreasuryEtherTransferFailed(address to, uint256 amount);
    /// @notice The treasury has no function `selector`.
    error TreasuryUnsupportedCall(bytes4 selector);

    /**
     * @param timelockAddress The governance timelock.
     * @param iusdAddress The iUSD token.
     */
    constructor(address timelockAddress, IERC20 iusdAddress) {
        timelock = timelockAddress;
        iusd = iusdAddress;
    }

    modifier onlyTimelock() {
        if (msg.sender != timelock) revert TreasuryUnauthorized(msg.sender);
        _;
    }

    /// @notice Accepts plain ETH deposits from anyone.
    receive() external payable {
        emit EtherDeposited(msg.sender, msg.value);
    }

    /// @notice Rejects calls to unknown functions (and ETH sent with data).
    fallback() external payable {
        revert TreasuryUnsupportedCall(msg.sig);
    }

    /**
     * @notice Sends `amount` wei to `to`. Only the timelock.
     * @param to Recipient.
     * @param amount Wei to send.
     */
    function releaseEther(address payable to, uint256 amount) external onlyTimelock nonReentrant {
        if (to == address(0)) revert TreasuryZeroRecipient();
        uint256 available = address(this).balance;
        if (amount > available) revert TreasuryInsufficientEther(amount, available);
        emit EtherReleased(to, amount);
        (bool sent, ) = to.call{value: amount}("");
        if (!sent) revert TreasuryEtherTransferFailed(to, amount);
    }

    /**
     * @notice Sends `amount` of `token` (normally iUSD) to `to`. Only the timelock.
     * @param token The ERC-20 to send.
     * @param to Recipient.
     * @param amount Amount in the token's base units.
     */
    function releaseToken(IERC20 token, address to, uint256 amount) external onlyTimelock nonReentrant {
        if (to == address(0)) revert TreasuryZeroRecipient();
        emit TokenReleased(token, to, amount);
        token.safeTransfer(to, amount);
    }

    /// @notice The ETH held, in wei.
    function etherBalance() external view returns (uint256) {
        return address(this).balance;
    }

    /// @notice The iUSD held, in base units.
    function iusdBalance() external view returns (uint256) {
        return iusd.balanceOf(address(this));
    }
}
