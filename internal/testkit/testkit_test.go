package testkit

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCleanPanicDropsJavaScriptFrames(t *testing.T) {
	got := cleanPanic(errors.New("AssertionError: no match\n    at Template.hasResourceProperties (x.js:1:2)\n    at Kernel._call (y.js:3:4)\nclosest match: {}"))
	if got != "AssertionError: no match\nclosest match: {}" {
		t.Errorf("got %q", got)
	}
}

func TestNormalizeHidesAssetHashes(t *testing.T) {
	hash := strings.Repeat("ab12", 16)
	got := string(Normalize(map[string]any{"S3Key": hash + ".zip", "b": 1, "a": "<tag>"}))
	want := "{\n  \"S3Key\": \"<asset-hash>.zip\",\n  \"a\": \"<tag>\",\n  \"b\": 1\n}\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestMessageRule(t *testing.T) {
	for text, want := range map[string]string{
		"AwsSolutions-S1: The S3 Bucket has server access logs disabled.":   "AwsSolutions-S1",
		"AwsSolutions-IAM5[Resource::*]: The IAM entity contains wildcards": "AwsSolutions-IAM5[Resource::*]",
		"NIST.800.53.R5-S3BucketLoggingEnabled: The S3 Bucket ...":          "NIST.800.53.R5-S3BucketLoggingEnabled",
		"Serverless-LambdaTracing: The Lambda function ...":                 "Serverless-LambdaTracing",
		"SSE-S3 gives no key-rotation control":                              "",
	} {
		if got := (Message{Text: text}).Rule(); got != want {
			t.Errorf("Rule(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestLoadReadsTemplatesAndMessages(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("manifest.json", `{"artifacts": {
	  "S": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "S.template.json", "terminationProtection": true},
	        "additionalMetadataFile": "S.metadata.json"},
	  "S.assets": {"type": "cdk:asset-manifest"}}}`)
	write("S.template.json", `{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}`)
	write("S.metadata.json", `{"/S/B/Resource": [
	  {"type": "aws:cdk:logicalId", "data": "B"},
	  {"type": "aws:cdk:error", "data": "AwsSolutions-S1: no access logs."},
	  {"type": "aws:cdk:warning", "data": "weakened default"}]}`)
	asm, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := asm.Stack(t, "S")
	if !s.TerminationProtection || s.LogicalID(t, "B") != "B" || len(s.Resources("AWS::S3::Bucket")) != 1 {
		t.Errorf("stack not loaded: %+v", s)
	}
	if f := s.NagFindings(); len(f) != 1 || f[0].Rule() != "AwsSolutions-S1" || f[0].Path != "/S/B/Resource" {
		t.Errorf("findings %+v", f)
	}
	if len(s.Messages) != 2 {
		t.Errorf("messages %+v", s.Messages)
	}
}
