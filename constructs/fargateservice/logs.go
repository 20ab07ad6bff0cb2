package fargateservice

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/internal/kmskey"
)

// newLogs creates the container log group, encrypted with a customer-managed
// key of its own that CloudWatch Logs may use for this account's log groups
// (the key cannot name the group: the group references the key).
func (fs *FargateService) newLogs(s *settings) {
	fs.Key = kmskey.New(fs.Construct, "Key", "Encrypts the container logs of "+*fs.Node().Path(), s.RemovalPolicy,
		kmskey.CloudWatchLogs(fs.Construct))
	fs.LogGroup = awslogs.NewLogGroup(fs.Construct, jsii.String("Logs"), &awslogs.LogGroupProps{
		EncryptionKey: fs.Key,
		Retention:     s.LogRetention,
		RemovalPolicy: s.RemovalPolicy,
	})
}
