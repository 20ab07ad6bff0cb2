// Package alarm creates the CloudWatch alarms Groundwork's constructs own, in
// one shape: a documented threshold, missing data treated as not breaching,
// and the alarm and OK actions sent to the environment's SNS topic.
package alarm

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Spec describes one alarm.
type Spec struct {
	// ID is the construct id, e.g. "ErrorsAlarm".
	ID string
	// Description says what fired and what to look at first.
	Description string
	// Metric is what the alarm watches (with its statistic and period).
	Metric awscloudwatch.IMetric
	// Threshold is compared with Comparison.
	Threshold float64
	// Comparison. Default: greater than or equal to the threshold.
	Comparison awscloudwatch.ComparisonOperator
	// Periods is the number of evaluation periods. Default: 1.
	Periods int
	// Missing is how missing data counts. Default: not breaching (no traffic
	// is not an incident).
	Missing awscloudwatch.TreatMissingData
}

// New creates the alarm described by s, with alarm and OK actions to topic.
func New(scope constructs.Construct, topic awssns.ITopic, s Spec) awscloudwatch.Alarm {
	if s.Comparison == "" {
		s.Comparison = awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD
	}
	if s.Periods == 0 {
		s.Periods = 1
	}
	if s.Missing == "" {
		s.Missing = awscloudwatch.TreatMissingData_NOT_BREACHING
	}
	a := awscloudwatch.NewAlarm(scope, jsii.String(s.ID), &awscloudwatch.AlarmProps{
		Metric:             s.Metric,
		Threshold:          jsii.Number(s.Threshold),
		ComparisonOperator: s.Comparison,
		EvaluationPeriods:  jsii.Number(float64(s.Periods)),
		TreatMissingData:   s.Missing,
		AlarmDescription:   jsii.String(s.Description),
	})
	action := awscloudwatchactions.NewSnsAction(topic)
	a.AddAlarmAction(action)
	a.AddOkAction(action)
	return a
}

// Metric is a CloudWatch metric in namespace with one statistic over period.
func Metric(namespace, name, statistic string, period awscdk.Duration, dimensions map[string]string) awscloudwatch.Metric {
	dims := make(map[string]*string, len(dimensions))
	for k, v := range dimensions {
		dims[k] = jsii.String(v)
	}
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String(namespace),
		MetricName:    jsii.String(name),
		Statistic:     jsii.String(statistic),
		Period:        period,
		DimensionsMap: &dims,
	})
}
