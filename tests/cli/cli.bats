#!/usr/bin/env bats
# cli.bats - the csgw command itself: version, help, usage errors.

load helpers

@test "--version prints the version" {
	run "$CSGW" --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^csgw\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "--help lists every command and the exit codes" {
	run "$CSGW" --help
	[ "$status" -eq 0 ]
	for c in map unmap validate mapping check-config sign verify receipt; do
		[[ "$output" == *"  $c "* ]]
	done
	[[ "$output" == *"64 usage, 65 bad data"* ]]
}

@test "every command has --help, exit 0, starting with its usage" {
	for c in map unmap validate mapping check-config sign verify receipt; do
		run "$CSGW" "$c" --help
		[ "$status" -eq 0 ]
		[[ "$output" == "usage: csgw"*"$c"* ]]
	done
}

@test "usage errors are exit 64 with the usage on stderr" {
	run "$CSGW"
	[ "$status" -eq 64 ]
	run "$CSGW" frobnicate
	[ "$status" -eq 64 ]
	[[ "$output" == *"unknown command 'frobnicate'"* ]]
	run "$CSGW" map ndnh-report
	[ "$status" -eq 64 ]
	[[ "$output" == "usage: csgw map"* ]]
	run "$CSGW" validate --no-such-option x.xml
	[ "$status" -eq 64 ]
	run "$CSGW" --environment staging validate x.xml
	[ "$status" -eq 64 ]
	[[ "$output" == *"--environment 'staging': expected production or test"* ]]
}

@test "a broken mappings folder is a configuration error, exit 78" {
	run "$CSGW" --mappings /nonexistent mapping list
	[ "$status" -eq 78 ]
	[[ "$output" == *"/nonexistent/schema/mapping.xsd: cannot read"* ]]
}
