package stacks

import "github.com/groundwork-cdk/groundwork/boundary"

// ceilings are the permissions boundaries of the stacks that have roles: the
// union of what each stack's roles are granted, plus a written headroom.
// TestBoundaryFitsItsStack fails when a role is granted an action outside its
// stack's ceiling (it would be denied at run time) and when a ceiling allows
// an action that no role of its stack is granted and the headroom does not
// explain (the ceiling would be broader than it needs to be). Storage and
// Observability have no roles, so they have no boundary.
var ceilings = map[string]boundary.Ceiling{
	"Network": {Actions: []string{
		// VPC flow logs (role assumed by vpc-flow-logs.amazonaws.com).
		"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams",
		// The custom resource that closes the VPC's default security group.
		"ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress",
	}},
	"Api": {Actions: []string{
		// ProcessOrder's logs and traces.
		"logs:CreateLogStream", "logs:PutLogEvents",
		"xray:PutTraceSegments", "xray:PutTelemetryRecords",
		// The orders table (items), through its key (DynamoDB decrypts).
		"dynamodb:GetItem", "dynamodb:PutItem",
		// The API secret, and the key of the table, the secret and the
		// dead-letter queue, each used only through its service.
		"secretsmanager:GetSecretValue", "kms:Decrypt", "kms:GenerateDataKey",
		// Failed asynchronous events to the dead-letter queue.
		"sqs:SendMessage",
		// ENIs of a VPC-attached function (AWSLambdaVPCAccessExecutionRole v3).
		"ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:DescribeNetworkInterfaces",
		"ec2:DescribeSubnets", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
	}},
	"Service": {Actions: []string{
		// The execution role: image pulls, container logs, the secrets block.
		"ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage",
		"logs:CreateLogStream", "logs:PutLogEvents",
		"secretsmanager:GetSecretValue", "kms:Decrypt",
	}},
	"Events": {Actions: []string{
		// The invoice worker: logs, traces, its dead-letter queue and key.
		"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords",
		"kms:Decrypt", "kms:GenerateDataKey", "sqs:SendMessage",
		// The worker consumes the invoice queue and writes invoices.
		"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes",
		"s3:PutObject",
		// The pipe reads the orders table's stream and puts events on the bus.
		"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams",
		"events:PutEvents",
	}},
	"Data": {Actions: []string{
		// Enhanced Monitoring (role assumed by monitoring.rds.amazonaws.com):
		// AWS's AmazonRDSEnhancedMonitoringRole, on the RDSOSMetrics log group.
		"logs:CreateLogGroup", "logs:PutRetentionPolicy",
		"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams", "logs:GetLogEvents",
	}},
}
