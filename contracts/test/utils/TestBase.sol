// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title Vm
 * @notice The few Foundry cheatcodes our Solidity tests use; Hardhat 3's EDR test runner implements
 * them at the standard cheatcode address (forge-std is not a dependency).
 */
interface Vm {
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function roll(uint256 blockNumber) external;
    function deal(address account, uint256 balance) external;
    function expectRevert(bytes calldata revertData) external;
    function assume(bool condition) external pure;
}

/**
 * @title TestBase
 * @notice Minimal assertions for Solidity tests: each failure reverts with what was compared.
 */
abstract contract TestBase {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    error TestBaseNotEqual(string what, uint256 actual, uint256 expected);
    error TestBaseNotEqualBytes32(string what, bytes32 actual, bytes32 expected);
    error TestBaseNotEqualAddress(string what, address actual, address expected);
    error TestBaseNotTrue(string what);
    error TestBaseTooLarge(string what, uint256 actual, uint256 limit);

    function assertEq(uint256 actual, uint256 expected, string memory what) internal pure {
        if (actual != expected) revert TestBaseNotEqual(what, actual, expected);
    }

    function assertEq(bytes32 actual, bytes32 expected, string memory what) internal pure {
        if (actual != expected) revert TestBaseNotEqualBytes32(what, actual, expected);
    }

    function assertEq(address actual, address expected, string memory what) internal pure {
        if (actual != expected) revert TestBaseNotEqualAddress(what, actual, expected);
    }

    function assertTrue(bool condition, string memory what) internal pure {
        if (!condition) revert TestBaseNotTrue(what);
    }

    function assertLe(uint256 actual, uint256 limit, string memory what) internal pure {
        if (actual > limit) revert TestBaseTooLarge(what, actual, limit);
    }
}
