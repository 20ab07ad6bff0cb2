// Command handler is the example function of examples/sharedbucket, deployed
// twice: as the writer (MODE=write) it stores the event's body under its key;
// as the reader (MODE=read) it returns the object's body. Each deployment's
// role holds only the one S3 action its mode calls.
package main

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Event is a note: its key and, for the writer, its body.
type Event struct {
	Key  string `json:"key"`
	Body string `json:"body,omitempty"`
}

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	client, bucket, mode := s3.NewFromConfig(cfg), os.Getenv("NOTES_BUCKET"), os.Getenv("MODE")
	lambda.Start(func(ctx context.Context, e Event) (Event, error) {
		if e.Key == "" {
			return Event{}, errors.New("key is required")
		}
		if mode == "write" {
			_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(e.Key),
				Body: strings.NewReader(e.Body)})
			return e, err
		}
		obj, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(e.Key)})
		if err != nil {
			return Event{}, err
		}
		defer obj.Body.Close()
		b, err := io.ReadAll(obj.Body)
		return Event{Key: e.Key, Body: string(b)}, err
	})
}
