// Command echo is a Lambda function for rietest's own tests: it answers an
// invocation with its payload, the pid of its process and the environment
// variables the payload names. With RIETEST_FAIL_INIT set it exits at once,
// as a function whose init fails.
package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

type request struct {
	Echo json.RawMessage `json:"echo"`
	Env  []string        `json:"env"`
}

type response struct {
	Echo json.RawMessage    `json:"echo"`
	PID  int                `json:"pid"`
	Env  map[string]*string `json:"env"`
}

func main() {
	if os.Getenv("RIETEST_FAIL_INIT") != "" {
		os.Stderr.WriteString("echo: init fails as asked\n")
		os.Exit(3)
	}
	lambda.Start(func(ctx context.Context, req request) (response, error) {
		resp := response{Echo: req.Echo, PID: os.Getpid(), Env: map[string]*string{}}
		for _, name := range req.Env {
			if v, ok := os.LookupEnv(name); ok {
				resp.Env[name] = &v
			} else {
				resp.Env[name] = nil
			}
		}
		return resp, nil
	})
}
