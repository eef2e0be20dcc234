// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @notice Vote `params` were neither empty (a human vote) nor {HybridVoting-ADVISORY_VOTE_PARAMS}.
error HybridGovernorInvalidVoteParams(bytes params);

/**
 * @title HybridVoting
 * @notice The arithmetic of IPPOC's hybrid vote: human constitutional weight plus AI advisory weight,
 * with the AI share of the counted weight bounded by a compile-time constant.
 * @dev The bound is a constant on purpose: no storage slot holds it, so no proposal can change it.
 */
library HybridVoting {
    /// @notice Basis points in one whole.
    uint256 internal constant BPS = 10_000;

    /// @notice The largest share of the counted weight that AI advisory votes may ever hold (20 %).
    uint256 internal constant AI_SHARE_MAX_BPS = 2_000;

    /// @notice The `params` of an AI advisory vote (`castVoteWithReasonAndParams`); empty params mean a human vote.
    bytes4 internal constant ADVISORY_VOTE_PARAMS = bytes4(keccak256("ippoc.vote.advisory"));

    /**
     * @notice The most advisory weight that may count beside `humanWeight`, so that
     * advisory / (advisory + human) <= AI_SHARE_MAX_BPS / BPS.
     */
    function advisoryCap(uint256 humanWeight) internal pure returns (uint256) {
        return Math.mulDiv(humanWeight, AI_SHARE_MAX_BPS, BPS - AI_SHARE_MAX_BPS);
    }

    /**
     * @notice The part of `advisoryVotes` that counts when the advisory votes cast sum to `advisoryTotal`
     * and at most `cap` may count: unchanged under the cap, scaled down proportionally above it.
     */
    function countedAdvisory(uint256 advisoryVotes, uint256 advisoryTotal, uint256 cap) internal pure returns (uint256) {
        if (advisoryTotal <= cap) return advisoryVotes;
        return Math.mulDiv(advisoryVotes, cap, advisoryTotal);
    }

    /// @notice Whether vote `params` mark an AI advisory vote.
    function isAdvisory(bytes memory params) internal pure returns (bool) {
        return params.length == 4 && bytes4(params) == ADVISORY_VOTE_PARAMS;
    }
}
