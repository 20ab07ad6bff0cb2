package main

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// kind describes how a resource type is drawn: as its own node (label and
// fill colour) or, when the type is not listed, collapsed into a count.
type kind struct {
	label string
	color string
}

const (
	colorNetwork = "#dae8fc"
	colorCompute = "#ffe6cc"
	colorData    = "#d5e8d4"
	colorSecure  = "#f8cecc"
	colorEdge    = "#e1d5e7"
	colorOps     = "#fff2cc"
)

// kinds are the resource types drawn as nodes. Everything else (keys, roles,
// policies, log groups, parameters, routes, ...) is counted in the owning
// construct's "+ N more" node, so the picture shows what a reader needs
// without hiding that the rest exists.
var kinds = map[string]kind{
	"AWS::EC2::VPC":                             {"VPC", colorNetwork},
	"AWS::EC2::NatGateway":                      {"NAT gateway", colorNetwork},
	"AWS::EC2::InternetGateway":                 {"internet gateway", colorNetwork},
	"AWS::EC2::VPCEndpoint":                     {"VPC endpoint", colorNetwork},
	"AWS::EC2::SecurityGroup":                   {"security group", colorSecure},
	"AWS::Lambda::Function":                     {"Lambda function", colorCompute},
	"AWS::ECS::Cluster":                         {"ECS cluster", colorCompute},
	"AWS::ECS::Service":                         {"ECS service", colorCompute},
	"AWS::DynamoDB::Table":                      {"DynamoDB table", colorData},
	"AWS::S3::Bucket":                           {"S3 bucket", colorData},
	"AWS::SecretsManager::Secret":               {"secret", colorSecure},
	"AWS::SQS::Queue":                           {"SQS queue", colorData},
	"AWS::SNS::Topic":                           {"SNS topic", colorOps},
	"AWS::ApiGatewayV2::Api":                    {"HTTP API", colorEdge},
	"AWS::ElasticLoadBalancingV2::LoadBalancer": {"load balancer", colorEdge},
	"AWS::CloudWatch::Dashboard":                {"dashboard", colorOps},
	"AWS::Budgets::Budget":                      {"budget", colorOps},
}

const (
	typeAlarm  = "AWS::CloudWatch::Alarm"
	typeSubnet = "AWS::EC2::Subnet"
)

// item is one drawn node.
type item struct {
	id      string // DOT node id, unique in the environment
	label   string
	color   string
	shape   string
	stack   string // "" for nodes outside every stack (the internet, CIDRs)
	cluster string // owning construct's sub-cluster, "" for the stack level
	counts  map[string]int
}

type edge struct {
	from, to string
	style    string // "sg", "ref", "alarm", "route", "wire"
	labels   map[string]bool
}

// graph is one environment's diagram.
type graph struct {
	env    string
	items  map[string]*item
	edges  map[[3]string]*edge
	stacks []*stack
	byName map[string]*stack
	// where maps "stack\x00logicalId" to the id of the item that shows it.
	where map[string]string
	// topics maps an SNS topic name to its item id.
	topics map[string]string
	// vpcCIDRs maps a VPC CIDR block to the VPC's item id; vpcs holds the
	// VPCs' item ids.
	vpcCIDRs map[string]string
	vpcs     map[string]bool
}

const internetID = "internet"

var providerID = regexp.MustCompile(`^AWS[0-9a-f]{32}$`)

// owner returns the construct that owns a resource: the first segment of its
// construct path below the stack.
func owner(path string) string {
	o, _, _ := strings.Cut(path, "/")
	if providerID.MatchString(o) {
		return "custom resource provider"
	}
	return o
}

// name returns the construct path without the owner and without the
// trailing "Resource"/"Default" segments CDK gives L1 resources.
func name(path string) string {
	segs := strings.Split(path, "/")
	for len(segs) > 1 && (segs[len(segs)-1] == "Resource" || segs[len(segs)-1] == "Default") {
		segs = segs[:len(segs)-1]
	}
	if len(segs) > 1 {
		segs = segs[1:]
	}
	return strings.Join(segs, "/")
}

func newGraph(env string, stacks []*stack) *graph {
	g := &graph{
		env: env, stacks: stacks,
		items: map[string]*item{}, edges: map[[3]string]*edge{},
		byName: map[string]*stack{}, where: map[string]string{},
		topics: map[string]string{}, vpcCIDRs: map[string]string{}, vpcs: map[string]bool{},
	}
	for _, s := range stacks {
		g.byName[s.Name] = s
	}
	for _, s := range stacks {
		g.placeStack(s)
	}
	// A construct that ends up with one item needs no box around it.
	n := map[[2]string]int{}
	for _, it := range g.items {
		n[[2]string{it.stack, it.cluster}]++
	}
	for _, it := range g.items {
		if it.cluster != "" && n[[2]string{it.stack, it.cluster}] == 1 {
			it.cluster = ""
		}
	}
	for _, s := range stacks {
		g.connectStack(s)
	}
	return g
}

func key(s *stack, lid string) string { return s.Name + "\x00" + lid }

// placeStack decides which item shows each resource of s.
func (g *graph) placeStack(s *stack) {
	lids := sortedKeys(s.Resources)
	// Owners that have at least one node of their own get a sub-cluster;
	// the rest are collapsed into the stack's alarm and "more" nodes.
	hasNode := map[string]bool{}
	for _, lid := range lids {
		r := s.Resources[lid]
		if _, ok := kinds[r.Type]; ok || r.Type == typeSubnet {
			hasNode[owner(s.Paths[lid])] = true
		}
	}
	for _, lid := range lids {
		r := s.Resources[lid]
		path := s.Paths[lid]
		o := owner(path)
		cluster := ""
		if hasNode[o] {
			cluster = o
		}
		switch k, ok := kinds[r.Type]; {
		case ok:
			id := s.Name + "/" + lid
			label := name(path) + "\n" + k.label + g.detail(s, lid, r)
			g.items[id] = &item{id: id, label: label, color: k.color, stack: s.Name, cluster: cluster}
			g.where[key(s, lid)] = id
			if r.Type == "AWS::SNS::Topic" {
				if n, ok := r.Properties["TopicName"].(string); ok {
					g.topics[n] = id
				}
			}
			if r.Type == "AWS::EC2::VPC" {
				g.vpcs[id] = true
				if c, ok := r.Properties["CidrBlock"].(string); ok {
					g.vpcCIDRs[c] = id
				}
			}
		case r.Type == typeSubnet:
			tier := tagValue(r, "aws-cdk:subnet-name")
			if tier == "" {
				tier = lid
			}
			id := s.Name + "/" + o + "/tier/" + tier
			it := g.items[id]
			if it == nil {
				it = &item{id: id, color: colorNetwork, shape: "folder", stack: s.Name, cluster: cluster, counts: map[string]int{}}
				g.items[id] = it
			}
			it.counts[fmt.Sprint(r.Properties["CidrBlock"])]++
			it.label = fmt.Sprintf("%s tier\n%d subnets (one per AZ)\n%s", tier, len(it.counts), strings.Join(sortedKeys(it.counts), " "))
			g.where[key(s, lid)] = id
		case r.Type == typeAlarm:
			id := joinID(s.Name, cluster, "alarms")
			it := g.items[id]
			if it == nil {
				it = &item{id: id, color: colorOps, shape: "note", stack: s.Name, cluster: cluster, counts: map[string]int{}}
				g.items[id] = it
			}
			it.counts[typeAlarm]++
			it.label = fmt.Sprintf("%d CloudWatch alarms", it.counts[typeAlarm])
			if it.counts[typeAlarm] == 1 {
				it.label = "1 CloudWatch alarm"
			}
			g.where[key(s, lid)] = id
		default:
			id := joinID(s.Name, cluster, "more")
			it := g.items[id]
			if it == nil {
				it = &item{id: id, color: "#f5f5f5", shape: "note", stack: s.Name, cluster: cluster, counts: map[string]int{}}
				g.items[id] = it
			}
			it.counts[strings.TrimPrefix(r.Type, "AWS::")]++
			var lines []string
			for _, t := range sortedKeys(it.counts) {
				lines = append(lines, fmt.Sprintf("%d × %s", it.counts[t], t))
			}
			it.label = "+ " + strings.Join(lines, "\n+ ")
			g.where[key(s, lid)] = id
		}
	}
}

// detail adds a type-specific line to a node label.
func (g *graph) detail(s *stack, lid string, r resource) string {
	switch r.Type {
	case "AWS::EC2::VPC":
		return "\n" + fmt.Sprint(r.Properties["CidrBlock"])
	case "AWS::EC2::VPCEndpoint":
		svc := lastLiteral(r.Properties["ServiceName"])
		if i := strings.Index(svc, "amazonaws."); i >= 0 {
			svc = svc[i+len("amazonaws."):]
			// drop the region: "eu-west-1.ecr.api" -> "ecr.api"
			if parts := strings.SplitN(svc, ".", 2); len(parts) == 2 && strings.Count(parts[0], "-") == 2 {
				svc = parts[1]
			}
		}
		svc = strings.TrimPrefix(svc, ".")
		t, _ := r.Properties["VpcEndpointType"].(string)
		if t == "" {
			t = "Gateway"
			if _, ok := r.Properties["SubnetIds"]; ok {
				t = "Interface"
			}
		}
		return fmt.Sprintf(": %s (%s)", svc, strings.ToLower(t))
	case "AWS::ApiGatewayV2::Api":
		var routes []string
		for _, rlid := range sortedKeys(s.Resources) {
			rr := s.Resources[rlid]
			if rr.Type == "AWS::ApiGatewayV2::Route" && refTarget(rr.Properties["ApiId"]) == lid {
				rk := fmt.Sprint(rr.Properties["RouteKey"])
				if a, _ := rr.Properties["AuthorizationType"].(string); a != "" && a != "NONE" {
					rk += " [" + a + "]"
				}
				routes = append(routes, rk)
			}
		}
		if len(routes) > 0 {
			return "\n" + strings.Join(routes, "\n")
		}
	case "AWS::DynamoDB::Table":
		var keys []string
		if ks, ok := r.Properties["KeySchema"].([]any); ok {
			for _, k := range ks {
				if m, ok := k.(map[string]any); ok {
					keys = append(keys, fmt.Sprintf("%v (%v)", m["AttributeName"], m["KeyType"]))
				}
			}
		}
		if len(keys) > 0 {
			return "\nkey: " + strings.Join(keys, ", ")
		}
	}
	return ""
}

// connectStack draws the edges that start in s.
func (g *graph) connectStack(s *stack) {
	for _, lid := range sortedKeys(s.Resources) {
		r := s.Resources[lid]
		from := g.where[key(s, lid)]
		switch r.Type {
		case "AWS::EC2::SecurityGroup":
			for _, rule := range list(r.Properties["SecurityGroupIngress"]) {
				g.sgRule(s, rule, from, true)
			}
			for _, rule := range list(r.Properties["SecurityGroupEgress"]) {
				g.sgRule(s, rule, from, false)
			}
		case "AWS::EC2::SecurityGroupIngress":
			if m, ok := r.Properties["GroupId"]; ok {
				if to := g.resolve(s, m); to != "" {
					g.sgRule(s, r.Properties, to, true)
				}
			}
		case "AWS::EC2::SecurityGroupEgress":
			if m, ok := r.Properties["GroupId"]; ok {
				if to := g.resolve(s, m); to != "" {
					g.sgRule(s, r.Properties, to, false)
				}
			}
		case typeAlarm:
			for _, a := range list(r.Properties["AlarmActions"]) {
				if to := g.topic(s, a); to != "" {
					g.addEdge(from, to, "alarm", "alarm actions")
				}
			}
		case "AWS::EC2::Route":
			dest, _ := r.Properties["DestinationCidrBlock"].(string)
			for _, f := range []string{"GatewayId", "NatGatewayId"} {
				if v, ok := r.Properties[f]; ok {
					if to := g.resolve(s, v); to != "" {
						if tier := g.tierOfRouteTable(s, refTarget(r.Properties["RouteTableId"])); tier != "" {
							g.addEdge(tier, to, "route", dest)
						}
					}
				}
			}
		case "AWS::ApiGatewayV2::Integration":
			api := g.resolve(s, r.Properties["ApiId"])
			if to := g.resolve(s, r.Properties["IntegrationUri"]); api != "" && to != "" {
				g.addEdge(api, to, "wire", "integration")
			}
		case "AWS::Lambda::Function":
			if env, ok := r.Properties["Environment"].(map[string]any); ok {
				vars, _ := env["Variables"].(map[string]any)
				for _, n := range sortedKeys(vars) {
					if to := g.resolve(s, vars[n]); to != "" && to != from {
						g.addEdge(from, to, "wire", n)
					}
				}
			}
		case "AWS::ElasticLoadBalancingV2::Listener":
			g.listener(s, r)
		}
		// Cross-stack references, wherever they appear. A dashboard's are
		// drawn once per stack it shows; a security group's reference to
		// its VPC is implied by the picture.
		for _, ref := range crossRefs(r.Properties) {
			to := g.resolveOutput(ref)
			switch {
			case to == "" || to == from:
			case r.Type == "AWS::CloudWatch::Dashboard":
				g.addEdge(from, clusterPrefix+g.items[to].stack, "ref", "metrics")
			case r.Type == "AWS::EC2::SecurityGroup" && g.vpcs[to]:
			default:
				g.addEdge(from, to, "ref", "")
			}
		}
	}
}

// listener draws load balancer → ECS service for forwarding listeners.
func (g *graph) listener(s *stack, r resource) {
	lb := g.resolve(s, r.Properties["LoadBalancerArn"])
	port := fmt.Sprint(r.Properties["Port"])
	for _, a := range list(r.Properties["DefaultActions"]) {
		am, _ := a.(map[string]any)
		tg := refTarget(am["TargetGroupArn"])
		if tg == "" {
			continue
		}
		for _, slid := range sortedKeys(s.Resources) {
			sr := s.Resources[slid]
			if sr.Type != "AWS::ECS::Service" {
				continue
			}
			for _, l := range list(sr.Properties["LoadBalancers"]) {
				lm, _ := l.(map[string]any)
				if refTarget(lm["TargetGroupArn"]) == tg && lb != "" {
					g.addEdge(lb, g.where[key(s, slid)], "wire", fmt.Sprintf("listener %s → %v", port, lm["ContainerPort"]))
				}
			}
		}
	}
}

func (g *graph) tierOfRouteTable(s *stack, rt string) string {
	for _, lid := range sortedKeys(s.Resources) {
		r := s.Resources[lid]
		if r.Type == "AWS::EC2::SubnetRouteTableAssociation" && refTarget(r.Properties["RouteTableId"]) == rt {
			return g.where[key(s, refTarget(r.Properties["SubnetId"]))]
		}
	}
	return ""
}

// sgRule draws one security-group rule of the group shown as sg: ingress
// from the peer to sg, egress from sg to the peer, labelled with the
// protocol and ports.
func (g *graph) sgRule(s *stack, rule any, sg string, ingress bool) {
	m, _ := rule.(map[string]any)
	if m == nil {
		return
	}
	var peer string
	switch {
	case m["SourceSecurityGroupId"] != nil:
		peer = g.resolve(s, m["SourceSecurityGroupId"])
	case m["DestinationSecurityGroupId"] != nil:
		peer = g.resolve(s, m["DestinationSecurityGroupId"])
	case m["CidrIp"] != nil:
		peer = g.cidr(s, m["CidrIp"])
	case m["CidrIpv6"] != nil:
		peer = g.cidr(s, m["CidrIpv6"])
	case m["SourcePrefixListId"] != nil || m["DestinationPrefixListId"] != nil:
		peer = g.external("prefix list", "AWS prefix list")
	}
	if peer == "" {
		return
	}
	label := portLabel(m)
	if ingress {
		g.addEdge(peer, sg, "sg", label)
	} else {
		g.addEdge(sg, peer, "sg", label)
	}
}

func portLabel(m map[string]any) string {
	proto := fmt.Sprint(m["IpProtocol"])
	if proto == "-1" {
		return "all traffic"
	}
	from, to := fmt.Sprint(m["FromPort"]), fmt.Sprint(m["ToPort"])
	if from == to || m["ToPort"] == nil {
		return proto + " " + from
	}
	return proto + " " + from + "-" + to
}

// cidr returns the item for a CIDR peer: the internet, a VPC of the
// environment, or a node of its own. CDK's "disallow all" sentinel
// (255.255.255.255/32) returns "".
func (g *graph) cidr(s *stack, v any) string {
	if c, ok := v.(string); ok {
		switch {
		case c == "255.255.255.255/32":
			return ""
		case c == "0.0.0.0/0" || c == "::/0":
			return g.external(internetID, "internet\n"+c)
		case g.vpcCIDRs[c] != "":
			return g.vpcCIDRs[c]
		default:
			return g.external("cidr "+c, c)
		}
	}
	if id := g.resolve(s, v); id != "" {
		return id
	}
	return g.external("cidr (computed)", "computed CIDR")
}

func (g *graph) external(id, label string) string {
	if g.items[id] == nil {
		g.items[id] = &item{id: id, label: label, color: "#ffffff", shape: "ellipse"}
	}
	return id
}

// topic returns the item of the SNS topic an alarm action names: a Ref in
// the same stack, a cross-stack reference or a literal topic ARN.
func (g *graph) topic(s *stack, v any) string {
	if arn, ok := v.(string); ok {
		if strings.HasPrefix(arn, "arn:") && strings.Contains(arn, ":sns:") {
			return g.topics[arn[strings.LastIndex(arn, ":")+1:]]
		}
		return ""
	}
	return g.resolve(s, v)
}

// resolve returns the item a Ref, Fn::GetAtt or cross-stack reference
// points at, or "".
func (g *graph) resolve(s *stack, v any) string {
	if lid := refTarget(v); lid != "" {
		return g.where[key(s, lid)]
	}
	if refs := crossRefs(v); len(refs) == 1 {
		return g.resolveOutput(refs[0])
	}
	return ""
}

// crossRef is a Fn::GetStackOutput (stack + output) or Fn::ImportValue
// (export name) found in a template.
type crossRef struct{ stack, output, export string }

func (g *graph) resolveOutput(r crossRef) string {
	for _, p := range g.stacks {
		if r.stack != "" && p.Name != r.stack {
			continue
		}
		for _, on := range sortedKeys(p.Outputs) {
			o := p.Outputs[on]
			match := on == r.output
			if r.export != "" {
				match = o.Export != nil && o.Export["Name"] == r.export
			}
			if match {
				if lid := refTarget(o.Value); lid != "" {
					return g.where[key(p, lid)]
				}
			}
		}
	}
	return ""
}

// crossRefs lists every cross-stack reference inside v.
func crossRefs(v any) []crossRef {
	var out []crossRef
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			if o, ok := t["Fn::GetStackOutput"].(map[string]any); ok {
				out = append(out, crossRef{stack: fmt.Sprint(o["StackName"]), output: fmt.Sprint(o["OutputName"])})
				return
			}
			if e, ok := t["Fn::ImportValue"].(string); ok {
				out = append(out, crossRef{export: e})
				return
			}
			for _, k := range sortedKeys(t) {
				walk(t[k])
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// refTarget returns the logical id of {"Ref": id} or {"Fn::GetAtt": [id, …]}.
func refTarget(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	if r, ok := m["Ref"].(string); ok && !strings.HasPrefix(r, "AWS::") {
		return r
	}
	if a, ok := m["Fn::GetAtt"].([]any); ok && len(a) > 0 {
		r, _ := a[0].(string)
		return r
	}
	return ""
}

// joinID joins the non-empty parts of an item id.
func joinID(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "/")
}

// clusterPrefix marks an edge end that is a whole stack (drawn to the
// stack's cluster).
const clusterPrefix = "cluster:"

func (g *graph) addEdge(from, to, style, label string) {
	if from == "" || to == "" || from == to {
		return
	}
	k := [3]string{from, to, style}
	e := g.edges[k]
	if e == nil {
		e = &edge{from: from, to: to, style: style, labels: map[string]bool{}}
		g.edges[k] = e
	}
	if label != "" {
		e.labels[label] = true
	}
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func tagValue(r resource, k string) string {
	for _, t := range list(r.Properties["Tags"]) {
		m, _ := t.(map[string]any)
		if m["Key"] == k {
			s, _ := m["Value"].(string)
			return s
		}
	}
	return ""
}

// lastLiteral returns a string, or the last literal piece of a Fn::Join.
func lastLiteral(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case map[string]any:
		if j, ok := t["Fn::Join"].([]any); ok && len(j) == 2 {
			parts := list(j[1])
			for i := len(parts) - 1; i >= 0; i-- {
				if s, ok := parts[i].(string); ok {
					return s
				}
			}
		}
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
