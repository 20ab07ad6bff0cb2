package securedatabase

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/internal/alarm"
)

// addAlarms creates the cluster's alarms: CPU, capacity near the maximum,
// connections, freeable memory and, with a reader, replica lag.
func (db *SecureDatabase) addAlarms(s *settings) {
	if s.AlarmTopic == nil {
		awscdk.Annotations_Of(db).AddWarningV2(jsii.String("groundwork:securedatabase:no-alarms"),
			jsii.String("no AlarmTopic: the database's alarms are not created; pass the environment's alarm topic"), nil)
		return
	}
	th := s.alarms
	path := *db.Node().Path()
	five := awscdk.Duration_Minutes(jsii.Number(5))
	dims := map[string]string{"DBClusterIdentifier": *db.Cluster.ClusterIdentifier()}
	m := func(name, stat string) awscloudwatch.Metric {
		return alarm.Metric("AWS/RDS", name, stat, five, dims)
	}
	maxConn := maxConnections(s.MaxCapacity)
	connThreshold := maxConn * th.ConnectionsPercent / 100
	specs := []alarm.Spec{
		{ID: "CpuAlarm", Threshold: float64(th.CPUPercent), Periods: 3, Metric: m("CPUUtilization", "Average"),
			Description: fmt.Sprintf("%s: average CPU at or above %d%% for 15 minutes. Check Performance Insights for the top SQL.", path, th.CPUPercent)},
		{ID: "CapacityAlarm", Threshold: float64(th.CapacityPercent), Periods: 3, Metric: m("ACUUtilization", "Average"),
			Description: fmt.Sprintf("%s: capacity at or above %d%% of the maximum (%g ACUs) for 15 minutes; raise MaxCapacity or find the load.", path, th.CapacityPercent, s.MaxCapacity)},
		{ID: "ConnectionsAlarm", Threshold: float64(connThreshold), Periods: 2, Metric: m("DatabaseConnections", "Maximum"),
			Description: fmt.Sprintf("%s: %d or more connections (%d%% of about %d allowed at %g ACUs) for 10 minutes; check the clients' pools.", path, connThreshold, th.ConnectionsPercent, maxConn, s.MaxCapacity)},
		{ID: "FreeableMemoryAlarm", Threshold: float64(th.FreeableMemoryMiB) * 1024 * 1024, Periods: 3,
			Comparison: awscloudwatch.ComparisonOperator_LESS_THAN_OR_EQUAL_TO_THRESHOLD, Metric: m("FreeableMemory", "Minimum"),
			Description: fmt.Sprintf("%s: freeable memory at or below %d MiB for 15 minutes; raise MaxCapacity.", path, th.FreeableMemoryMiB)},
	}
	if s.HighAvailability {
		specs = append(specs, alarm.Spec{ID: "ReplicaLagAlarm", Threshold: float64(th.ReplicaLag.Milliseconds()), Periods: 3,
			Metric:      m("AuroraReplicaLagMaximum", "Maximum"),
			Description: fmt.Sprintf("%s: the reader lags the writer by %s or more for 15 minutes; a failover would lose that much.", path, th.ReplicaLag)})
	}
	for _, spec := range specs {
		db.Alarms = append(db.Alarms, alarm.New(db, s.AlarmTopic, spec))
	}
}
