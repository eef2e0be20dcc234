// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {HybridVoting} from "../governance/HybridVoting.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @notice Fuzz tests of the AI share bound arithmetic.
contract HybridVotingTest is TestBase {
    uint256 private constant VOTES_MAX = type(uint208).max;

    /// Whatever the human and advisory tallies, counted advisory weight is at most 20 % of the counted total.
    function testFuzz_CountedAdvisoryNeverExceedsTheBound(
        uint256 humanVotes,
        uint256 advisoryAgainst,
        uint256 advisoryFor,
        uint256 advisoryAbstain
    ) public pure {
        humanVotes = humanVotes % VOTES_MAX;
        advisoryAgainst = advisoryAgainst % VOTES_MAX;
        advisoryFor = advisoryFor % VOTES_MAX;
        advisoryAbstain = advisoryAbstain % VOTES_MAX;
        uint256 advisoryTotal = advisoryAgainst + advisoryFor + advisoryAbstain;
        uint256 cap = HybridVoting.advisoryCap(humanVotes);

        uint256 counted = HybridVoting.countedAdvisory(advisoryAgainst, advisoryTotal, cap) +
            HybridVoting.countedAdvisory(advisoryFor, advisoryTotal, cap) +
            HybridVoting.countedAdvisory(advisoryAbstain, advisoryTotal, cap);

        assertLe(counted, cap, "counted advisory");
        assertLe(counted, advisoryTotal, "counted advisory vs cast");
        assertLe(counted * HybridVoting.BPS, (humanVotes + counted) * HybridVoting.AI_SHARE_MAX_BPS, "AI share of the counted total");
    }

    /// Under the cap, advisory votes count in full.
    function testFuzz_AdvisoryUnderTheCapCountsInFull(uint256 humanVotes, uint256 advisoryVotes) public pure {
        humanVotes = humanVotes % VOTES_MAX;
        uint256 cap = HybridVoting.advisoryCap(humanVotes);
        advisoryVotes = cap == 0 ? 0 : advisoryVotes % (cap + 1);
        assertEq(HybridVoting.countedAdvisory(advisoryVotes, advisoryVotes, cap), advisoryVotes, "uncapped advisory");
    }

    /// The cap is exactly a quarter of the human weight (20 % of the total) for round numbers.
    function test_CapIsAQuarterOfHumanWeight() public pure {
        assertEq(HybridVoting.advisoryCap(1000), 250, "cap of 1000");
        assertEq(HybridVoting.AI_SHARE_MAX_BPS, 2000, "bound constant");
    }

    /// Only the exact advisory marker counts as an AI vote.
    function test_AdvisoryParamsAreRecognisedExactly() public pure {
        assertTrue(HybridVoting.isAdvisory(abi.encodePacked(HybridVoting.ADVISORY_VOTE_PARAMS)), "marker");
        assertTrue(!HybridVoting.isAdvisory(""), "empty");
        assertTrue(!HybridVoting.isAdvisory(hex"deadbeef"), "other bytes4");
        assertTrue(!HybridVoting.isAdvisory(abi.encodePacked(HybridVoting.ADVISORY_VOTE_PARAMS, uint8(0))), "marker plus a byte");
    }
}
