package stacks

// OptionsWithoutNag is Options for a test that compares templates only. The
// cdk-nag packs add annotations, never template content (suppressions are
// metadata that the constructs write themselves), so the templates are the
// same and the synthesis is a fifth shorter.
func OptionsWithoutNag() Options { return Options{withoutNag: true} }
