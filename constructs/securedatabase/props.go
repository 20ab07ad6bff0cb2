package securedatabase

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"

	"github.com/groundwork-cdk/groundwork/validate"
)

// Props configures a SecureDatabase. A nil *Props cannot be used (the VPC and
// the client security groups have no sensible default); every zero-valued
// field means the secure default documented on it.
type Props struct {
	// Vpc is the VPC the cluster lives in, normally a ThreeTierVpc's Vpc.
	// Required: it must have isolated subnets (the guidance's database tier)
	// in at least two AZs, and private subnets with egress for the rotation
	// function.
	//
	// Default: none (required).
	Vpc awsec2.IVpc

	// VpcSubnets selects the cluster's subnets. Every selected subnet must be
	// one of the VPC's isolated subnets: the guidance gives databases their own
	// isolated tier, with no route to or from the internet. Public and
	// private-with-egress subnets are rejected.
	//
	// Default: the VPC's isolated subnets (SubnetType PRIVATE_ISOLATED).
	VpcSubnets *awsec2.SubnetSelection

	// AllowFrom are the client security groups admitted to the database, on
	// the PostgreSQL port only, by security-group id. At least one is
	// required: the database admits nothing else (besides the construct's own
	// rotation function).
	//
	// Default: none (required).
	AllowFrom []awsec2.ISecurityGroup

	// EngineVersion is the Aurora PostgreSQL version, one of
	// SupportedEngineVersions (pinned: minor-version upgrades happen when you
	// change it, not behind the template's back).
	//
	// Default: DefaultEngineVersion ("16.9").
	EngineVersion string

	// MinCapacity is the smallest Aurora Serverless v2 capacity, in ACUs (1
	// ACU ≈ 2 GiB of memory), a multiple of 0.5 between 0.5 and MaxCapacity.
	// To scale to zero, set ScaleToZero instead.
	//
	// Default: DefaultMinCapacity (0.5 ACU).
	MinCapacity float64

	// MaxCapacity is the largest capacity, in ACUs: a multiple of 0.5 from 1
	// to 256 (Aurora Serverless v2's limits) and not below MinCapacity.
	//
	// Default: DefaultMaxCapacity (4 ACUs).
	MaxCapacity float64

	// ScaleToZero lets the instances scale to 0 ACUs and pause after
	// AutoPauseAfter without connections (Aurora Serverless v2 auto-pause).
	// Only engine versions that support it are accepted (see
	// SupportedEngineVersions: 14.12+, 15.7+, 16.3+, 17.x). The first
	// connection after a pause waits about 15 seconds while the instance
	// resumes; use it for dev.
	//
	// Default: false (the minimum capacity is MinCapacity).
	ScaleToZero bool

	// AutoPauseAfter is how long an idle instance waits before it pauses:
	// 5 minutes to 24 hours. Only with ScaleToZero.
	//
	// Default: 5 minutes (Aurora's own default).
	AutoPauseAfter time.Duration

	// DatabaseName is the database created in the cluster: letters, digits
	// and underscores, starting with a letter, at most 63 characters.
	//
	// Default: DefaultDatabaseName ("app").
	DatabaseName string

	// MasterUsername is the master user, whose generated password lives in
	// Secrets Manager: letters, digits and underscores, starting with a
	// letter, at most 63 characters, not a PostgreSQL reserved role name.
	//
	// Default: DefaultMasterUsername ("dbadmin").
	MasterUsername string

	// RotationDays is how often the master password is rotated, in days. The
	// guidance asks for 30 to 90 days; anything else needs RotationOverride.
	//
	// Default: DefaultRotationDays (30).
	RotationDays int

	// RotationOverride is the reason for a RotationDays outside 30–90 (then
	// 1–365 days is accepted, with a warning). Write it for a reviewer.
	//
	// Default: none (30–90 days enforced).
	RotationOverride string

	// BackupRetentionDays is how long automated backups are kept: 1 to 35
	// days (Aurora's limits).
	//
	// Default: DefaultBackupRetentionDays (35, the maximum; the stacks use 7
	// in dev).
	BackupRetentionDays int

	// HighAvailability adds a Serverless v2 reader in a second AZ that scales
	// with the writer and takes over when the writer fails (failover tier 0).
	//
	// Default: false — the writer alone (Aurora's storage is still replicated
	// six ways across three AZs; a failed writer is recreated in about 10
	// minutes).
	HighAvailability bool

	// RemovalPolicy is what happens to the cluster when it is deleted or
	// replaced: SNAPSHOT keeps a final snapshot, DESTROY (dev only) keeps
	// nothing. Its key, secret and log group are retained
	// (RETAIN_ON_UPDATE_OR_DELETE) unless it is DESTROY, so that the snapshot
	// stays readable.
	//
	// Default: awscdk.RemovalPolicy_SNAPSHOT.
	RemovalPolicy awscdk.RemovalPolicy

	// DisableDeletionProtection turns RDS deletion protection off (dev only).
	//
	// Default: false (deletion protection on).
	DisableDeletionProtection bool

	// LogRetention is how long the exported PostgreSQL logs are kept.
	//
	// Default: DefaultLogRetention (awslogs.RetentionDays_ONE_YEAR; Control Tower CT.CLOUDWATCH.PR.2 asks for 365 days or more).
	LogRetention awslogs.RetentionDays

	// MonitoringInterval is the Enhanced Monitoring granularity: 1, 5, 10,
	// 15, 30 or 60 seconds.
	//
	// Default: DefaultMonitoringInterval (60 seconds).
	MonitoringInterval time.Duration

	// AlarmTopic receives the alarms' ALARM and OK notifications.
	//
	// Default: none — no alarms are created, and the construct warns.
	AlarmTopic awssns.ITopic

	// Alarms tunes the alarm thresholds.
	//
	// Default: the thresholds documented on Alarms.
	Alarms *Alarms
}

// Alarms are the alarm thresholds; zero fields take the defaults shown.
type Alarms struct {
	// CPUPercent: average CPU, 3 of 3 five-minute periods. Default: 80.
	CPUPercent int
	// CapacityPercent: ACU utilisation (capacity used as a share of
	// MaxCapacity), 3 of 3 five-minute periods. Default: 90.
	CapacityPercent int
	// ConnectionsPercent: connections as a share of the estimated
	// max_connections at MaxCapacity (LEAST(memory/9531392, 5000), the Aurora
	// PostgreSQL default). Default: 80.
	ConnectionsPercent int
	// FreeableMemoryMiB: freeable memory at or below this, 3 of 3 periods.
	// Default: 256.
	FreeableMemoryMiB int
	// ReplicaLag: maximum Aurora replica lag (with HighAvailability only).
	// Default: 1 second.
	ReplicaLag time.Duration
}

// Defaults.
const (
	DefaultEngineVersion       = "16.9"
	DefaultMinCapacity         = 0.5
	DefaultMaxCapacity         = 4.0
	DefaultDatabaseName        = "app"
	DefaultMasterUsername      = "dbadmin"
	DefaultRotationDays        = 30
	DefaultBackupRetentionDays = 35
	DefaultLogRetention        = awslogs.RetentionDays_ONE_YEAR
	DefaultMonitoringInterval  = 60 * time.Second
	DefaultAutoPauseAfter      = 5 * time.Minute
	// Port is the PostgreSQL port the cluster listens on.
	Port = 5432
	// MinRotationDays and MaxRotationDays are the guidance's rotation cycle.
	MinRotationDays = 30
	MaxRotationDays = 90
)

// DefaultRemovalPolicy keeps a final snapshot when the cluster is deleted or
// replaced.
const DefaultRemovalPolicy = awscdk.RemovalPolicy_SNAPSHOT

// EngineVersion describes one supported Aurora PostgreSQL version.
type EngineVersion struct {
	// Version is the full version, e.g. "16.9".
	Version string
	// Major is the major version, e.g. "16".
	Major string
	// ScaleToZero says whether Aurora Serverless v2 can scale this version to
	// 0 ACUs with auto-pause (Aurora PostgreSQL 13.15, 14.12, 15.7, 16.3 and
	// higher; Amazon Aurora User Guide, "Scaling to zero ACUs with automatic
	// pause and resume").
	ScaleToZero bool
}

// SupportedEngineVersions is the allow-list of Aurora PostgreSQL versions
// (all supported by Aurora Serverless v2). 14.9 is kept for clusters that
// have not moved on yet; it cannot scale to zero.
var SupportedEngineVersions = []EngineVersion{
	{"14.9", "14", false},
	{"15.10", "15", true},
	{"16.6", "16", true},
	{"16.9", "16", true},
	{"17.4", "17", true},
	{"17.5", "17", true},
}

func engineVersion(v string) (EngineVersion, bool) {
	i := slices.IndexFunc(SupportedEngineVersions, func(e EngineVersion) bool { return e.Version == v })
	if i < 0 {
		return EngineVersion{}, false
	}
	return SupportedEngineVersions[i], true
}

func supportedList() string {
	var out []string
	for _, e := range SupportedEngineVersions {
		out = append(out, e.Version)
	}
	return strings.Join(out, ", ")
}

// settings are the props with the defaults filled in.
type settings struct {
	Props
	engine          EngineVersion
	removal         awscdk.RemovalPolicy // the cluster's
	retainedRemoval awscdk.RemovalPolicy // key, secret, logs
	alarms          Alarms
}

func (p *Props) withDefaults() settings {
	s := settings{Props: *p}
	if s.EngineVersion == "" {
		s.EngineVersion = DefaultEngineVersion
	}
	s.engine, _ = engineVersion(s.EngineVersion)
	if s.MinCapacity == 0 {
		s.MinCapacity = DefaultMinCapacity
	}
	if s.ScaleToZero {
		s.MinCapacity = 0
		if s.AutoPauseAfter == 0 {
			s.AutoPauseAfter = DefaultAutoPauseAfter
		}
	}
	if s.MaxCapacity == 0 {
		s.MaxCapacity = DefaultMaxCapacity
	}
	if s.DatabaseName == "" {
		s.DatabaseName = DefaultDatabaseName
	}
	if s.MasterUsername == "" {
		s.MasterUsername = DefaultMasterUsername
	}
	if s.RotationDays == 0 {
		s.RotationDays = DefaultRotationDays
	}
	if s.BackupRetentionDays == 0 {
		s.BackupRetentionDays = DefaultBackupRetentionDays
	}
	if s.LogRetention == "" {
		s.LogRetention = DefaultLogRetention
	}
	if s.MonitoringInterval == 0 {
		s.MonitoringInterval = DefaultMonitoringInterval
	}
	s.removal = s.RemovalPolicy
	if s.removal == "" {
		s.removal = DefaultRemovalPolicy
	}
	s.retainedRemoval = awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE
	if s.removal == awscdk.RemovalPolicy_DESTROY {
		s.retainedRemoval = awscdk.RemovalPolicy_DESTROY
	}
	if p.Alarms != nil {
		s.alarms = *p.Alarms
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&s.alarms.CPUPercent, 80)
	def(&s.alarms.CapacityPercent, 90)
	def(&s.alarms.ConnectionsPercent, 80)
	def(&s.alarms.FreeableMemoryMiB, 256)
	if s.alarms.ReplicaLag == 0 {
		s.alarms.ReplicaLag = time.Second
	}
	return s
}

// maxConnections estimates PostgreSQL's max_connections at capacity acu:
// LEAST(DBInstanceClassMemory/9531392, 5000), with 2 GiB per ACU.
func maxConnections(acu float64) int {
	return min(int(acu*2*1024*1024*1024/9531392), 5000)
}

var identifier = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,62}$`)

// reservedUsers are names RDS rejects as the master user name.
var reservedUsers = []string{"postgres", "rdsadmin", "rds_superuser", "admin", "root", "public", "user"}

func halfStep(v float64) bool { return math.Mod(v*2, 1) == 0 }

// validate checks p before any resource exists.
func (p *Props) validate() error {
	var errs []error
	fail := func(field string, value any, rule, fix string) {
		errs = append(errs, validate.Fail(field, value, rule, fix))
	}
	if p.Vpc == nil {
		fail("Vpc", nil, "the database needs a VPC with isolated subnets (the guidance's database tier)",
			"pass the environment's ThreeTierVpc: Vpc: network.Vpc")
	}
	if len(p.AllowFrom) == 0 {
		fail("AllowFrom", "[]", "the database admits PostgreSQL only from the client security groups given here, and a database nobody can reach is a mistake",
			"pass the security group(s) of the clients, e.g. AllowFrom: []awsec2.ISecurityGroup{service.ServiceSecurityGroup}")
	}
	for i, sg := range p.AllowFrom {
		if sg == nil {
			fail(fmt.Sprintf("AllowFrom[%d]", i), nil, "a client security group cannot be nil", "remove the nil entry")
		}
	}
	v := p.EngineVersion
	if v == "" {
		v = DefaultEngineVersion
	}
	ev, ok := engineVersion(v)
	if !ok {
		fail("EngineVersion", p.EngineVersion, "Groundwork pins Aurora PostgreSQL to an allow-list of versions that Aurora Serverless v2 supports ("+supportedList()+")",
			"use one of them, e.g. \""+DefaultEngineVersion+"\" (the default), or extend SupportedEngineVersions after checking the version in the Aurora release notes")
	}
	if p.MinCapacity != 0 && (p.MinCapacity < 0.5 || !halfStep(p.MinCapacity)) {
		fail("MinCapacity", p.MinCapacity, "Aurora Serverless v2 capacity is set in steps of 0.5 ACU from 0.5 (0 only with auto-pause)",
			"use 0.5, 1, 1.5, …, or set ScaleToZero to scale to 0 ACUs")
	}
	if p.MaxCapacity != 0 && (p.MaxCapacity < 1 || p.MaxCapacity > 256 || !halfStep(p.MaxCapacity)) {
		fail("MaxCapacity", p.MaxCapacity, "Aurora Serverless v2 maximum capacity is 1 to 256 ACUs in steps of 0.5 (Amazon Aurora User Guide, Aurora Serverless v2 capacity)",
			"use a value such as 4 (the default), 8 or 16")
	}
	minC, maxC := p.MinCapacity, p.MaxCapacity
	if minC == 0 {
		minC = DefaultMinCapacity
	}
	if maxC == 0 {
		maxC = DefaultMaxCapacity
	}
	if minC > maxC {
		fail("MinCapacity", fmt.Sprintf("%g (MaxCapacity %g)", minC, maxC), "the minimum capacity cannot be above the maximum",
			"lower MinCapacity or raise MaxCapacity")
	}
	if p.ScaleToZero {
		if p.MinCapacity != 0 {
			fail("MinCapacity", p.MinCapacity, "with ScaleToZero the minimum capacity is 0 ACUs", "leave MinCapacity 0, or turn ScaleToZero off")
		}
		if ok && !ev.ScaleToZero {
			fail("ScaleToZero", true, "Aurora PostgreSQL "+ev.Version+" cannot scale to 0 ACUs; auto-pause needs 13.15, 14.12, 15.7, 16.3 or higher (Amazon Aurora User Guide, scaling to zero ACUs)",
				"use a newer EngineVersion, e.g. \""+DefaultEngineVersion+"\", or turn ScaleToZero off")
		}
		if p.AutoPauseAfter != 0 && (p.AutoPauseAfter < 5*time.Minute || p.AutoPauseAfter > 24*time.Hour) {
			fail("AutoPauseAfter", p.AutoPauseAfter.String(), "Aurora pauses an idle instance after 5 minutes to 24 hours",
				"use a duration in that range, or 0 for 5 minutes")
		}
	} else if p.AutoPauseAfter != 0 {
		fail("AutoPauseAfter", p.AutoPauseAfter.String(), "auto-pause only applies when the cluster can scale to zero", "set ScaleToZero, or drop AutoPauseAfter")
	}
	if p.DatabaseName != "" && !identifier.MatchString(p.DatabaseName) {
		fail("DatabaseName", p.DatabaseName, "a PostgreSQL database name here is a letter followed by letters, digits or underscores, at most 63 characters",
			`use a name such as "orders"`)
	}
	if p.MasterUsername != "" && (!identifier.MatchString(p.MasterUsername) || slices.Contains(reservedUsers, strings.ToLower(p.MasterUsername))) {
		fail("MasterUsername", p.MasterUsername, "the master user name is a letter followed by letters, digits or underscores, at most 63 characters, and not a reserved name ("+strings.Join(reservedUsers, ", ")+")",
			`use a name such as "dbadmin" (the default)`)
	}
	days := p.RotationDays
	if days == 0 {
		days = DefaultRotationDays
	}
	switch {
	case days < 0:
		fail("RotationDays", days, "a rotation period is a positive number of days", "use 30 to 90 (the guidance), or 0 for 30")
	case p.RotationOverride == "" && (days < MinRotationDays || days > MaxRotationDays):
		fail("RotationDays", days, "the guidance rotates database credentials on a 30–90 day cycle (encryption section, key rotation)",
			"use 30 to 90 days, or say why in RotationOverride to allow 1–365")
	case p.RotationOverride != "" && (days < 1 || days > 365):
		fail("RotationDays", days, "even with RotationOverride the rotation period is 1 to 365 days", "use 1 to 365 days")
	case p.RotationOverride != "" && len(strings.TrimSpace(p.RotationOverride)) < 20:
		fail("RotationOverride", p.RotationOverride, "an override of the guidance's rotation cycle needs a reason a reviewer accepts",
			"write a sentence: why this database cannot rotate every 30–90 days")
	}
	if p.BackupRetentionDays != 0 && (p.BackupRetentionDays < 1 || p.BackupRetentionDays > 35) {
		fail("BackupRetentionDays", p.BackupRetentionDays, "Aurora keeps automated backups for 1 to 35 days",
			"use 1 to 35 (7 in dev, 35 in prod), or 0 for 35; keep longer copies with AWS Backup")
	}
	switch p.RemovalPolicy {
	case "", awscdk.RemovalPolicy_SNAPSHOT, awscdk.RemovalPolicy_DESTROY:
	default:
		fail("RemovalPolicy", string(p.RemovalPolicy), "an Aurora cluster is snapshotted on delete and replacement (RETAIN would leave a running, billed cluster outside the stack)",
			"use RemovalPolicy_SNAPSHOT (the default) or, in dev only, RemovalPolicy_DESTROY")
	}
	if iv := p.MonitoringInterval; iv != 0 && (iv%time.Second != 0 || !slices.Contains([]time.Duration{1, 5, 10, 15, 30, 60}, iv/time.Second)) {
		fail("MonitoringInterval", iv.String(), "Enhanced Monitoring reports every 1, 5, 10, 15, 30 or 60 seconds",
			"use one of them, or 0 for 60 seconds")
	}
	if a := p.Alarms; a != nil {
		for _, f := range []struct {
			name string
			v    int
			max  int
		}{{"Alarms.CPUPercent", a.CPUPercent, 100}, {"Alarms.CapacityPercent", a.CapacityPercent, 100},
			{"Alarms.ConnectionsPercent", a.ConnectionsPercent, 100}, {"Alarms.FreeableMemoryMiB", a.FreeableMemoryMiB, math.MaxInt}} {
			if f.v < 0 || f.v > f.max {
				fail(f.name, f.v, fmt.Sprintf("a threshold is between 0 and %d", f.max), "use a value in range, or 0 for the default")
			}
		}
		if a.ReplicaLag < 0 {
			fail("Alarms.ReplicaLag", a.ReplicaLag.String(), "a lag threshold cannot be negative", "use a positive duration, or 0 for 1 second")
		}
	}
	return errors.Join(errs...)
}

// validateSubnets checks the subnet placement once the VPC is known to be
// there: the selection must resolve to isolated subnets only, in two AZs or
// more, and the VPC must have subnets with egress for the rotation function.
func (p *Props) validateSubnets() error {
	if p.Vpc == nil {
		return nil
	}
	var errs []error
	sel := p.VpcSubnets
	if sel != nil && sel.SubnetType != "" && sel.SubnetType != awsec2.SubnetType_PRIVATE_ISOLATED {
		return validate.Fail("VpcSubnets.SubnetType", string(sel.SubnetType),
			"the guidance places databases in their own isolated subnet tier: no route to or from the internet",
			"drop VpcSubnets to use the VPC's isolated subnets, or select SubnetType_PRIVATE_ISOLATED")
	}
	isolated := map[string]bool{}
	for _, s := range *p.Vpc.IsolatedSubnets() {
		isolated[*s.SubnetId()] = true
	}
	if len(isolated) == 0 {
		return validate.Fail("Vpc", *p.Vpc.Node().Path(), "the VPC has no isolated subnets, and the guidance puts databases only there",
			"use a ThreeTierVpc (it has an isolated tier), or add PRIVATE_ISOLATED subnets")
	}
	if sel == nil {
		sel = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
	}
	chosen := p.Vpc.SelectSubnets(sel)
	azs := map[string]bool{}
	for _, s := range *chosen.Subnets {
		if !isolated[*s.SubnetId()] {
			errs = append(errs, validate.Fail("VpcSubnets", *s.Node().Path(),
				"every database subnet must be an isolated subnet (the guidance's database tier); this one is public or has egress",
				"drop VpcSubnets, or select only the VPC's isolated subnets"))
			continue
		}
		azs[*s.AvailabilityZone()] = true
	}
	if len(errs) == 0 && len(azs) < 2 {
		errs = append(errs, validate.Fail("VpcSubnets", fmt.Sprintf("%d AZ(s)", len(azs)),
			"an RDS DB subnet group spans at least two availability zones", "select isolated subnets in two AZs or more"))
	}
	if len(*p.Vpc.PrivateSubnets()) == 0 {
		errs = append(errs, validate.Fail("Vpc", *p.Vpc.Node().Path(),
			"the rotation function runs in the VPC's private subnets with egress (it calls the Secrets Manager API), and this VPC has none",
			"use a ThreeTierVpc, or add PRIVATE_WITH_EGRESS subnets"))
	}
	return errors.Join(errs...)
}
