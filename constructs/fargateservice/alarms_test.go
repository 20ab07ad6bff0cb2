package fargateservice_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
)

const alarmTopicArn = "arn:aws:sns:eu-west-1:123456789012:alarms"

func TestAlarms(t *testing.T) {
	actions := []any{alarmTopicArn}
	web := stack(t, "Web")
	tests := []struct {
		name  string
		props map[string]any
	}{
		{"load balancer and target 5xx", map[string]any{"Threshold": 5, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
			"Metrics": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Expression": "FILL(elb, 0) + FILL(targets, 0)"})})}},
		{"unhealthy targets", map[string]any{"Namespace": "AWS/ApplicationELB", "MetricName": "UnHealthyHostCount",
			"Statistic": "Maximum", "Threshold": 1}},
		{"p99 target response time", map[string]any{"Namespace": "AWS/ApplicationELB", "MetricName": "TargetResponseTime",
			"ExtendedStatistic": "p99", "Threshold": 1}},
		{"CPU", map[string]any{"Namespace": "AWS/ECS", "MetricName": "CPUUtilization", "Statistic": "Average",
			"Threshold": 85, "EvaluationPeriods": 3}},
		{"memory", map[string]any{"Namespace": "AWS/ECS", "MetricName": "MemoryUtilization", "Statistic": "Average",
			"Threshold": 85, "EvaluationPeriods": 3}},
		{"running tasks below the minimum", map[string]any{"Namespace": "ECS/ContainerInsights", "MetricName": "RunningTaskCount",
			"Statistic": "Minimum", "Threshold": 2, "ComparisonOperator": "LessThanThreshold", "TreatMissingData": "breaching",
			"EvaluationPeriods": 2}},
		{"WAF blocked requests", map[string]any{"Namespace": "AWS/WAFV2", "MetricName": "BlockedRequests", "Statistic": "Sum",
			"Threshold": 100}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.props["AlarmActions"] = actions
			tc.props["OKActions"] = actions
			web.HasResourceProperties(t, "AWS::CloudWatch::Alarm", tc.props)
		})
	}
	t.Run("seven alarms for an internet-facing web service (one for its web ACL)", func(t *testing.T) {
		web.ResourceCountIs(t, "AWS::CloudWatch::Alarm", 7)
	})
	t.Run("a worker has no load balancer alarms, and its own CPU threshold", func(t *testing.T) {
		w := stack(t, "Worker")
		w.ResourceCountIs(t, "AWS::CloudWatch::Alarm", 3)
		w.HasResourceProperties(t, "AWS::CloudWatch::Alarm", map[string]any{"MetricName": "CPUUtilization", "Threshold": 95})
	})
	t.Run("no topic, no alarms, a warning", func(t *testing.T) {
		c := stack(t, "Custom")
		c.ResourceCountIs(t, "AWS::CloudWatch::Alarm", 0)
		c.HasWarning(t, "no AlarmTopic")
	})
}
