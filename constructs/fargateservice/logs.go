package fargateservice

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/kmskey"
)

// newLogs creates the container log group, named (kmskey.LogGroupName) and
// encrypted with a customer-managed key of its own that CloudWatch Logs may
// use for that one group, and, with a web ACL, the WAF log group encrypted
// with the same key.
func (fs *FargateService) newLogs(s *settings) {
	name := kmskey.LogGroupName(fs, "Logs")
	names, description := []string{name}, "Encrypts the container logs of "+*fs.Node().Path()
	if s.wafEnabled() {
		names = append(names, fs.wafLogGroupName())
		description = "Encrypts the container and WAF logs of " + *fs.Node().Path()
	}
	fs.Key = kmskey.New(fs, "Key", description, s.RemovalPolicy, kmskey.CloudWatchLogs(fs, names...))
	fs.LogGroup = awslogs.NewLogGroup(fs, jsii.String("Logs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(name),
		EncryptionKey: fs.Key,
		Retention:     s.LogRetention,
		RemovalPolicy: s.RemovalPolicy,
	})
	if s.wafEnabled() {
		fs.newWafLogGroup(s)
	}
}
