package fargateservice

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/internal/alarm"
)

// addAlarms creates the service's alarms: for a web service, load balancer
// 5xx, unhealthy targets and p99 target response time; for every service,
// CPU, memory and running tasks below the minimum capacity.
func (fs *FargateService) addAlarms(s *settings) {
	if s.AlarmTopic == nil {
		awscdk.Annotations_Of(fs).AddWarningV2(jsii.String("groundwork:fargateservice:no-alarms"),
			jsii.String("no AlarmTopic: the service's alarms are not created; pass the environment's alarm topic"), nil)
		return
	}
	th := s.Alarms.withDefaults()
	path := *fs.Node().Path()
	five := awscdk.Duration_Minutes(jsii.Number(5))
	sum := &awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")}
	var specs []alarm.Spec
	if fs.LoadBalancer != nil {
		specs = append(specs,
			alarm.Spec{ID: "Http5xxAlarm", Threshold: float64(th.Http5xx),
				Metric: awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
					Expression: jsii.String("FILL(elb, 0) + FILL(targets, 0)"),
					Label:      jsii.String("5xx responses"),
					Period:     five,
					UsingMetrics: &map[string]awscloudwatch.IMetric{
						"elb":     fs.LoadBalancer.Metrics().HttpCodeElb(elbv2.HttpCodeElb_ELB_5XX_COUNT, sum),
						"targets": fs.TargetGroup.Metrics().HttpCodeTarget(elbv2.HttpCodeTarget_TARGET_5XX_COUNT, sum),
					},
				}),
				Description: fmt.Sprintf("%s: %d or more 5xx responses in 5 minutes (load balancer and targets). Check the container logs and the target health.", path, th.Http5xx)},
			alarm.Spec{ID: "UnhealthyTargetsAlarm", Threshold: float64(th.UnhealthyTargets),
				Metric:      fs.TargetGroup.Metrics().UnhealthyHostCount(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Maximum")}),
				Description: fmt.Sprintf("%s: %d or more targets fail the load balancer's health check on %s.", path, th.UnhealthyTargets, s.HealthCheckPath)},
			alarm.Spec{ID: "TargetResponseTimeAlarm", Threshold: th.TargetResponseTimeP99.Seconds(),
				Metric:      fs.TargetGroup.Metrics().TargetResponseTime(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("p99")}),
				Description: fmt.Sprintf("%s: p99 target response time reached %s.", path, th.TargetResponseTimeP99)},
		)
	}
	if fs.WebAcl != nil {
		specs = append(specs, alarm.Spec{ID: "WafBlockedRequestsAlarm", Threshold: float64(th.WafBlockedRequests),
			Metric: fs.MetricWaf("BlockedRequests", nil),
			Description: fmt.Sprintf("%s: the web ACL blocked %d or more requests in 5 minutes: an attack, or a rule blocking legitimate traffic. "+
				"Check the sampled requests and the WAF logs (%s).", path, th.WafBlockedRequests, *fs.WafLogGroup.LogGroupName())})
	}
	avg := &awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Average")}
	specs = append(specs,
		alarm.Spec{ID: "CpuAlarm", Threshold: float64(th.CPUPercent), Periods: 3, Metric: fs.Service.MetricCpuUtilization(avg),
			Description: fmt.Sprintf("%s: average CPU at or above %d%% for 15 minutes; autoscaling is at its maximum (%d tasks) or too slow.", path, th.CPUPercent, s.MaxCapacity)},
		alarm.Spec{ID: "MemoryAlarm", Threshold: float64(th.MemoryPercent), Periods: 3, Metric: fs.Service.MetricMemoryUtilization(avg),
			Description: fmt.Sprintf("%s: average memory at or above %d%% for 15 minutes; tasks risk being killed for memory.", path, th.MemoryPercent)},
		alarm.Spec{ID: "RunningTasksAlarm", Threshold: float64(s.MinCapacity), Periods: 2,
			Comparison: awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
			// No data means no running task reports: that is the outage.
			Missing: awscloudwatch.TreatMissingData_BREACHING,
			Metric: alarm.Metric("ECS/ContainerInsights", "RunningTaskCount", "Minimum", five, map[string]string{
				"ClusterName": *fs.Cluster.ClusterName(), "ServiceName": *fs.Service.ServiceName()}),
			Description: fmt.Sprintf("%s: fewer than %d tasks running for 10 minutes (Container Insights). Check the service events and stopped tasks.", path, s.MinCapacity)},
	)
	for _, spec := range specs {
		fs.Alarms = append(fs.Alarms, alarm.New(fs, s.AlarmTopic, spec))
	}
}
