// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGovernor, Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {HybridVoting, HybridGovernorInvalidVoteParams} from "../HybridVoting.sol";

/**
 * @title GovernorCountingHybrid
 * @notice Counting module of {Governor} for hybrid votes: human constitutional votes (empty `params`)
 * and AI advisory votes (`params` = {HybridVoting-ADVISORY_VOTE_PARAMS}), Bravo support values
 * (0 against, 1 for, 2 abstain).
 * @dev Human votes are counted exactly like {GovernorCountingSimple}, so a human vote costs the same.
 * Advisory votes are tallied apart and, when read, scaled down so that they never exceed
 * {HybridVoting-AI_SHARE_MAX_BPS} of the counted weight. Quorum counts human votes only: AI nodes
 * advise, humans decide.
 */
abstract contract GovernorCountingHybrid is Governor {
    /// @notice Supported vote types, in Governor Bravo order.
    enum VoteType {
        Against,
        For,
        Abstain
    }

    struct ProposalVote {
        uint256 againstVotes;
        uint256 forVotes;
        uint256 abstainVotes;
        mapping(address voter => bool) hasVoted;
    }

    struct AdvisoryVote {
        uint256 againstVotes;
        uint256 forVotes;
        uint256 abstainVotes;
    }

    mapping(uint256 proposalId => ProposalVote) private _humanVotes;
    mapping(uint256 proposalId => AdvisoryVote) private _advisoryVotes;

    /// @inheritdoc IGovernor
    // solhint-disable-next-line func-name-mixedcase
    function COUNTING_MODE() public pure virtual override returns (string memory) {
        return "support=bravo&quorum=for,abstain&params=ippoc-advisory";
    }

    /// @inheritdoc IGovernor
    function hasVoted(uint256 proposalId, address account) public view virtual override returns (bool) {
        return _humanVotes[proposalId].hasVoted[account];
    }

    /**
     * @notice The counted votes of a proposal: human votes plus the advisory votes that count under
     * the AI share bound. This is what decides the outcome.
     */
    function proposalVotes(
        uint256 proposalId
    ) public view virtual returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes) {
        ProposalVote storage human = _humanVotes[proposalId];
        AdvisoryVote storage advisory = _advisoryVotes[proposalId];
        uint256 advisoryTotal = advisory.againstVotes + advisory.forVotes + advisory.abstainVotes;
        uint256 cap = HybridVoting.advisoryCap(human.againstVotes + human.forVotes + human.abstainVotes);
        againstVotes = human.againstVotes + HybridVoting.countedAdvisory(advisory.againstVotes, advisoryTotal, cap);
        forVotes = human.forVotes + HybridVoting.countedAdvisory(advisory.forVotes, advisoryTotal, cap);
        abstainVotes = human.abstainVotes + HybridVoting.countedAdvisory(advisory.abstainVotes, advisoryTotal, cap);
    }

    /// @notice The human votes of a proposal, as cast.
    function proposalHumanVotes(
        uint256 proposalId
    ) public view virtual returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes) {
        ProposalVote storage human = _humanVotes[proposalId];
        return (human.againstVotes, human.forVotes, human.abstainVotes);
    }

    /// @notice The AI advisory votes of a proposal, as cast (before the share bound is applied).
    function proposalAdvisoryVotes(
        uint256 proposalId
    ) public view virtual returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes) {
        AdvisoryVote storage advisory = _advisoryVotes[proposalId];
        return (advisory.againstVotes, advisory.forVotes, advisory.abstainVotes);
    }

    /// @dev Quorum is reached by human for and abstain votes alone.
    function _quorumReached(uint256 proposalId) internal view virtual override returns (bool) {
        ProposalVote storage human = _humanVotes[proposalId];
        return quorum(proposalSnapshot(proposalId)) <= human.forVotes + human.abstainVotes;
    }

    /// @dev The counted for votes must be strictly over the counted against votes.
    function _voteSucceeded(uint256 proposalId) internal view virtual override returns (bool) {
        (uint256 againstVotes, uint256 forVotes, ) = proposalVotes(proposalId);
        return forVotes > againstVotes;
    }

    /// @dev One vote per account and proposal, human or advisory.
    function _countVote(
        uint256 proposalId,
        address account,
        uint8 support,
        uint256 totalWeight,
        bytes memory params
    ) internal virtual override returns (uint256) {
        ProposalVote storage human = _humanVotes[proposalId];
        if (human.hasVoted[account]) revert GovernorAlreadyCastVote(account);
        human.hasVoted[account] = true;

        if (params.length == 0) {
            if (support == uint8(VoteType.Against)) {
                human.againstVotes += totalWeight;
            } else if (support == uint8(VoteType.For)) {
                human.forVotes += totalWeight;
            } else if (support == uint8(VoteType.Abstain)) {
                human.abstainVotes += totalWeight;
            } else {
                revert GovernorInvalidVoteType();
            }
        } else {
            _countAdvisoryVote(proposalId, support, totalWeight, params);
        }
        return totalWeight;
    }

    function _countAdvisoryVote(uint256 proposalId, uint8 support, uint256 weight, bytes memory params) private {
        if (!HybridVoting.isAdvisory(params)) revert HybridGovernorInvalidVoteParams(params);
        AdvisoryVote storage advisory = _advisoryVotes[proposalId];
        if (support == uint8(VoteType.Against)) {
            advisory.againstVotes += weight;
        } else if (support == uint8(VoteType.For)) {
            advisory.forVotes += weight;
        } else if (support == uint8(VoteType.Abstain)) {
            advisory.abstainVotes += weight;
        } else {
            revert GovernorInvalidVoteType();
        }
    }
}
