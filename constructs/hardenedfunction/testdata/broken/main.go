// Command broken does not compile, on purpose: the hardenedfunction tests use
// it to check that a build failure becomes a validation error.
package main

func main() {
	var n int = "not a number"
	_ = n
}
