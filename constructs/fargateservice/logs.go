package fargateservice

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/kmskey"
)

// newLogs creates the container log group, named (kmskey.LogGroupName) and
// encrypted with a customer-managed key of its own that CloudWatch Logs may
// use for that one group.
func (fs *FargateService) newLogs(s *settings) {
	name := kmskey.LogGroupName(fs, "Logs")
	fs.Key = kmskey.New(fs, "Key", "Encrypts the container logs of "+*fs.Node().Path(), s.RemovalPolicy,
		kmskey.CloudWatchLogs(fs, name))
	fs.LogGroup = awslogs.NewLogGroup(fs, jsii.String("Logs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(name),
		EncryptionKey: fs.Key,
		Retention:     s.LogRetention,
		RemovalPolicy: s.RemovalPolicy,
	})
}
