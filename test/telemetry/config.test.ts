import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, otlpTracesUrl } from '../../src/config.js'

// The tracing and metrics settings (docs/observability.md): the Rust port's names and defaults.
describe('telemetry settings', () => {
  it('defaults: tracing and metrics off, 1 % sampling, the collector beside us', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({
      otelEnabled: false,
      otelServiceName: 'passport-scorer-ts',
      otelTraceSamplingRate: 0.01,
      deploymentEnvironment: 'development',
      metricsEnabled: false,
    })
    expect(otlpTracesUrl(config)).toBe('http://127.0.0.1:4318/v1/traces')
  })

  it('reads OTEL_ENABLED, OTEL_SERVICE_NAME, OTEL_TRACE_SAMPLING_RATE, ENVIRONMENT and METRICS_ENABLED', () => {
    expect(
      loadConfig({
        OTEL_ENABLED: 'true',
        OTEL_SERVICE_NAME: ' scorer-ts ',
        OTEL_TRACE_SAMPLING_RATE: '0.25',
        ENVIRONMENT: 'staging',
        METRICS_ENABLED: '1',
      }),
    ).toMatchObject({
      otelEnabled: true,
      otelServiceName: 'scorer-ts',
      otelTraceSamplingRate: 0.25,
      deploymentEnvironment: 'staging',
      metricsEnabled: true,
    })
  })

  it('the traces URL: the TRACES endpoint as it is, else the base endpoint + /v1/traces', () => {
    expect(otlpTracesUrl(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }))).toBe(
      'http://collector:4318/v1/traces',
    )
    expect(
      otlpTracesUrl(
        loadConfig({
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/custom',
        }),
      ),
    ).toBe('https://traces.example/custom')
  })

  it.each([
    ['OTEL_TRACE_SAMPLING_RATE', '1.5'],
    ['OTEL_TRACE_SAMPLING_RATE', '-0.1'],
    ['OTEL_TRACE_SAMPLING_RATE', 'half'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'grpc://collector:4317'],
    ['OTEL_ENABLED', 'maybe'],
    ['METRICS_ENABLED', 'sometimes'],
  ])('refuses %s=%s, naming the variable', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError)
    expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`^${variable}: `))
  })
})
