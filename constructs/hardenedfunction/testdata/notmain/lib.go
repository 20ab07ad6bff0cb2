// Package notmain is a library, not a command: the hardenedfunction tests use
// it to check that Entry must be a package main.
package notmain

// Answer is here so that the package is not empty.
const Answer = 42
