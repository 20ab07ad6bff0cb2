package localapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// Provision creates the tables and secrets of d in the AWS endpoint cfg
// points at (the local emulator) and returns the function's environment
// with every reference resolved the way CloudFormation resolves it: a
// table's Ref is its name, a secret's Ref its ARN. Existing tables and
// secrets are reused, so it can run again against a running emulator.
// progress, if not nil, is told about each step.
func Provision(ctx context.Context, cfg aws.Config, d *Definitions, progress func(string)) (map[string]string, error) {
	if progress == nil {
		progress = func(string) {}
	}
	db := dynamodb.NewFromConfig(cfg)
	sm := secretsmanager.NewFromConfig(cfg)
	physical := map[string]string{}
	for _, lid := range sortedKeys(d.Tables) {
		t := d.Tables[lid]
		progress(fmt.Sprintf("creating table %s (key %v)", t.Name, t.KeySchema))
		in := &dynamodb.CreateTableInput{TableName: aws.String(t.Name), BillingMode: ddbtypes.BillingMode(t.BillingMode)}
		for _, k := range t.KeySchema {
			in.KeySchema = append(in.KeySchema, ddbtypes.KeySchemaElement{AttributeName: aws.String(k.AttributeName), KeyType: ddbtypes.KeyType(k.KeyType)})
		}
		for _, a := range t.AttributeDefinitions {
			in.AttributeDefinitions = append(in.AttributeDefinitions, ddbtypes.AttributeDefinition{AttributeName: aws.String(a.AttributeName), AttributeType: ddbtypes.ScalarAttributeType(a.AttributeType)})
		}
		if in.BillingMode == "" {
			in.BillingMode = ddbtypes.BillingModePayPerRequest
		}
		if _, err := db.CreateTable(ctx, in); err != nil {
			var inUse *ddbtypes.ResourceInUseException
			if !errors.As(err, &inUse) {
				return nil, fmt.Errorf("create table %s: %w", t.Name, err)
			}
		}
		w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
			o.MinDelay = 50 * time.Millisecond
			o.MaxDelay = 500 * time.Millisecond
		})
		if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(t.Name)}, 30*time.Second); err != nil {
			return nil, fmt.Errorf("table %s did not become active: %w", t.Name, err)
		}
		physical[lid] = t.Name
	}
	for _, lid := range sortedKeys(d.Secrets) {
		s := d.Secrets[lid]
		progress(fmt.Sprintf("creating secret %s (%d generated characters)", s.Name, s.PasswordLength))
		pw, err := sm.GetRandomPassword(ctx, &secretsmanager.GetRandomPasswordInput{
			PasswordLength:     aws.Int64(int64(s.PasswordLength)),
			ExcludePunctuation: aws.Bool(s.ExcludePunctuation),
		})
		if err != nil {
			return nil, fmt.Errorf("generate the value of secret %s: %w", s.Name, err)
		}
		out, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
			Name:         aws.String(s.Name),
			Description:  aws.String(s.Description),
			SecretString: pw.RandomPassword,
		})
		var arn string
		switch {
		case err == nil:
			arn = aws.ToString(out.ARN)
		default:
			var exists *smtypes.ResourceExistsException
			if !errors.As(err, &exists) {
				return nil, fmt.Errorf("create secret %s: %w", s.Name, err)
			}
			desc, derr := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(s.Name)})
			if derr != nil {
				return nil, fmt.Errorf("describe existing secret %s: %w", s.Name, derr)
			}
			arn = aws.ToString(desc.ARN)
		}
		physical[lid] = arn
	}
	env := map[string]string{}
	for name, v := range d.Env {
		if v.Ref == "" {
			env[name] = v.Literal
			continue
		}
		env[name] = physical[v.Ref]
	}
	return env, nil
}
