"""Schema of the sample application's configuration (pydantic v2).

confscope loads this file from the manifest (`schema = "schema.py:AppConfig"`) and
validates the merged, interpolated config of the active layers against `AppConfig`.
Only pydantic and the standard library are imported, so the file can be loaded
straight from its path.

Two conventions matter for layered, environment-driven config:

* Every model forbids unknown keys, so a typo like `max_sise` is reported instead of
  silently ignored.
* A scalar that is exactly one `${VAR}` is typed by YAML 1.2 core rules, so an
  all-digit password read from the environment arrives as an int and an empty one as
  null. Secret fields therefore take any scalar and keep it as a string (`""` when
  unset); sops-encrypted `ENC[AES256_GCM,...]` values are plain strings too.
"""

from typing import Annotated, Literal

from pydantic import (
    AnyUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    PositiveFloat,
    PositiveInt,
    model_validator,
)

Port = Annotated[int, Field(ge=1, le=65535)]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
# "30s", "5m", "1h": the duration syntax Prometheus and Grafana use.
Duration = Annotated[str, Field(pattern=r"^[0-9]+(ms|s|m|h|d)$")]
# "host:port", as Redis Sentinel and Redis Cluster seed lists are written.
HostPort = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+:[0-9]{1,5}$")]
# A file mode such as 0o640 (YAML 1.2 octal); setuid/setgid/sticky bits allowed.
FileMode = Annotated[int, Field(ge=0, le=0o7777)]


def _unset_secret_is_empty(value: object) -> object:
    """`${DB_PASSWORD:-}` with DB_PASSWORD unset types as null: treat it as "not configured"."""
    return "" if value is None else value


# A secret: "" (not configured), a value read from the environment, or a sops
# ENC[AES256_GCM,data:...,iv:...,tag:...,type:str] string.
Secret = Annotated[str, BeforeValidator(_unset_secret_is_empty)]


class Section(BaseModel):
    """Common base: unknown keys are errors; numbers read from env vars may fill str fields."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


# --------------------------------------------------------------------------- app


class AppSection(Section):
    name: Annotated[str, Field(min_length=1, pattern=r"^[a-z][a-z0-9-]*$")]
    version: Annotated[str, Field(pattern=r"^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$")]
    environment: Literal["development", "staging", "production", "testing"]
    debug: bool = False
    timezone: str = "UTC"
    data_dir: str


# --------------------------------------------------------------------------- api


class CorsConfig(Section):
    allow_origins: list[str] = []
    allow_methods: list[Literal["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]]
    allow_headers: list[str] = []
    allow_credentials: bool = False
    max_age_seconds: Annotated[int, Field(ge=0, le=86400)] = 600


class RateLimitConfig(Section):
    enabled: bool = True
    requests_per_minute: PositiveInt
    burst: PositiveInt
    storage: Literal["memory", "redis"] = "redis"


class ApiConfig(Section):
    host: str
    port: Port
    workers: Annotated[int, Field(ge=1, le=64)]
    reload: bool = False
    root_path: str = ""
    # FastAPI: None disables the interactive docs page.
    docs_url: str | None = "/docs"
    openapi_url: str | None = "/openapi.json"
    request_timeout_seconds: PositiveFloat
    keepalive_timeout_seconds: PositiveFloat = 5
    max_request_size_mb: PositiveInt
    trusted_hosts: list[str] = ["*"]
    cors: CorsConfig
    rate_limit: RateLimitConfig


# ---------------------------------------------------------------------- database


class DatabaseTls(Section):
    mode: Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]
    root_cert: str | None = None
    client_cert: str | None = None
    client_key_file: str | None = None


class PoolConfig(Section):
    min_size: Annotated[int, Field(ge=0)]
    max_size: Annotated[int, Field(ge=1, le=500)]
    max_overflow: Annotated[int, Field(ge=0)] = 0
    acquire_timeout_seconds: PositiveFloat
    max_idle_seconds: PositiveFloat
    recycle_seconds: PositiveInt
    pre_ping: bool = True

    @model_validator(mode="after")
    def _min_not_above_max(self) -> "PoolConfig":
        if self.min_size > self.max_size:
            raise ValueError(
                f"pool min_size ({self.min_size}) must not exceed max_size ({self.max_size})"
            )
        return self


class MigrationsConfig(Section):
    auto_upgrade: bool = False
    directory: str = "migrations"


class DatabaseConfig(Section):
    driver: Literal["postgresql+asyncpg", "postgresql+psycopg", "postgresql"]
    host: str
    port: Port
    name: Annotated[str, Field(min_length=1, max_length=63)]
    user: Annotated[str, Field(min_length=1)]
    password: Secret = ""
    # Either a switch or the full libpq TLS settings.
    ssl: bool | DatabaseTls = False
    statement_timeout_ms: PositiveInt
    echo_sql: bool = False
    pool: PoolConfig
    migrations: MigrationsConfig = MigrationsConfig()


# ------------------------------------------------------------------------- redis


class SentinelConfig(Section):
    master_name: Annotated[str, Field(min_length=1)]
    nodes: Annotated[list[HostPort], Field(min_length=1)]
    password: Secret = ""
    socket_timeout_seconds: PositiveFloat = 0.5


class RedisConfig(Section):
    mode: Literal["standalone", "sentinel", "cluster"]
    host: str
    port: Port
    db: Annotated[int, Field(ge=0, le=15)] = 0
    password: Secret = ""
    ssl: bool = False
    key_prefix: str = ""
    default_ttl_seconds: PositiveInt
    max_connections: PositiveInt
    socket_timeout_seconds: PositiveFloat
    health_check_interval_seconds: Annotated[int, Field(ge=0)] = 30
    sentinel: SentinelConfig | None = None
    cluster_nodes: list[HostPort] = []

    @model_validator(mode="after")
    def _mode_has_its_settings(self) -> "RedisConfig":
        if self.mode == "sentinel" and self.sentinel is None:
            raise ValueError("redis.mode is 'sentinel' but redis.sentinel is not configured")
        if self.mode == "cluster" and not self.cluster_nodes:
            raise ValueError("redis.mode is 'cluster' but redis.cluster_nodes is empty")
        return self


# ---------------------------------------------------------------------------- ml

Device = Literal["cpu", "cuda", "mps"]


class BatchingConfig(Section):
    enabled: bool = True
    max_batch_size: Annotated[int, Field(ge=1, le=1024)]
    batch_timeout_micros: PositiveInt
    num_batch_threads: PositiveInt = 4


class TensorflowServingConfig(Section):
    enabled: bool = True
    host: str
    grpc_port: Port
    rest_port: Port
    model_name: str
    model_base_path: str
    request_timeout_seconds: PositiveFloat
    batching: BatchingConfig
    extra_args: list[str] = []


class PytorchConfig(Section):
    enabled: bool = True
    device: Device = "cpu"
    num_threads: Annotated[int, Field(ge=1, le=256)]
    torchscript: bool = False
    models: dict[str, str] = {}


class HuggingFaceConfig(Section):
    enabled: bool = True
    cache_dir: str
    offline: bool = False
    token: Secret = ""
    default_model: str
    max_sequence_length: Annotated[int, Field(ge=8, le=32768)]


class SpleeterConfig(Section):
    enabled: bool = True
    model: Literal["spleeter:2stems", "spleeter:4stems", "spleeter:5stems"]
    sample_rate: Literal[16000, 22050, 44100, 48000]
    output_format: Literal["wav", "mp3", "ogg", "flac"]
    max_duration_seconds: PositiveInt
    concurrent_jobs: Annotated[int, Field(ge=1, le=32)]


class MlConfig(Section):
    device: Device
    gpu_devices: str = ""
    model_cache_dir: str
    model_search_paths: list[str] = []
    inference_timeout_seconds: PositiveFloat
    tensorflow_serving: TensorflowServingConfig
    pytorch: PytorchConfig
    huggingface: HuggingFaceConfig
    spleeter: SpleeterConfig


# -------------------------------------------------------------------- monitoring


class PrometheusConfig(Section):
    enabled: bool = True
    metrics_path: Annotated[str, Field(pattern=r"^/")]
    port: Port
    scrape_interval: Duration
    pushgateway_url: AnyUrl | None = None
    default_buckets: list[PositiveFloat] = []


class GrafanaConfig(Section):
    enabled: bool = True
    url: HttpUrl
    admin_user: str = "admin"
    admin_password: Secret = ""
    api_key: Secret = ""
    dashboards_dir: str
    default_variables: dict[str, str] = {}


class HealthCheckConfig(Section):
    liveness_path: Annotated[str, Field(pattern=r"^/")]
    readiness_path: Annotated[str, Field(pattern=r"^/")]
    interval_seconds: PositiveInt
    timeout_seconds: PositiveFloat


class TracingConfig(Section):
    enabled: bool = False
    otlp_endpoint: AnyUrl | None = None
    sample_ratio: Annotated[float, Field(ge=0, le=1)] = 0.1


class MonitoringConfig(Section):
    prometheus: PrometheusConfig
    grafana: GrafanaConfig
    health_check: HealthCheckConfig
    tracing: TracingConfig = TracingConfig()


# ----------------------------------------------------------------------- logging


class LogHandlerConfig(Section):
    type: Literal["console", "rotating_file", "timed_rotating_file"]
    level: LogLevel | None = None
    path: str | None = None
    max_bytes: Annotated[int, Field(ge=0)] = 0
    backup_count: Annotated[int, Field(ge=0)] = 0
    # Wall-clock time of a daily rollover, "HH:MM".
    rotation_time: Annotated[str, Field(pattern=r"^[0-9]{1,2}:[0-9]{2}$")] | None = None
    file_mode: FileMode = 0o640
    compress: bool = False


class LoggingConfig(Section):
    level: LogLevel
    format: Literal["json", "text"]
    timestamp_format: Literal["iso8601", "epoch"] = "iso8601"
    include_fields: list[str] = []
    redact_keys: list[str] = []
    handlers: Annotated[dict[str, LogHandlerConfig], Field(min_length=1)]
    loggers: dict[str, LogLevel] = {}


# ---------------------------------------------------------------------- security


class JwtConfig(Section):
    algorithm: Literal["HS256", "HS384", "HS512", "RS256", "ES256"]
    secret: Secret = ""
    private_key: Secret = ""
    public_key_path: str | None = None
    issuer: str
    audience: str
    access_token_expire_minutes: Annotated[int, Field(ge=1, le=1440)]
    refresh_token_expire_days: Annotated[int, Field(ge=1, le=365)]
    leeway_seconds: Annotated[int, Field(ge=0, le=300)] = 0


class OAuthProvider(Section):
    name: str
    client_id: str
    client_secret: Secret = ""
    authorize_url: HttpUrl
    token_url: HttpUrl
    userinfo_url: HttpUrl | None = None
    scopes: list[str] = []


class OAuth2Config(Section):
    enabled: bool = True
    redirect_url: HttpUrl
    providers: list[OAuthProvider] = []


class SecurityHeadersConfig(Section):
    hsts_max_age_seconds: Annotated[int, Field(ge=0)]
    hsts_include_subdomains: bool = True
    content_security_policy: str
    frame_options: Literal["DENY", "SAMEORIGIN"] = "DENY"
    referrer_policy: str = "strict-origin-when-cross-origin"
    content_type_options: Literal["nosniff"] = "nosniff"
    permissions_policy: str = ""


class EncryptionConfig(Section):
    algorithm: Literal["AES-256-GCM"]
    master_secret: Secret = ""
    key_rotation_days: PositiveInt
    encrypted_fields: list[str] = []


class PasswordPolicy(Section):
    min_length: Annotated[int, Field(ge=8, le=256)]
    require_uppercase: bool = True
    require_digit: bool = True
    special_characters: str = ""
    bcrypt_rounds: Annotated[int, Field(ge=4, le=31)] = 12


class SecurityConfig(Section):
    jwt: JwtConfig
    oauth2: OAuth2Config
    headers: SecurityHeadersConfig
    encryption: EncryptionConfig
    password_policy: PasswordPolicy


# ----------------------------------------------------------------------- storage


class StorageConfig(Section):
    backend: Literal["local", "s3"]
    upload_dir: str
    results_dir: str
    max_upload_mb: PositiveInt
    allowed_audio_types: list[str] = []
    dir_mode: FileMode = 0o750
    retention_days: PositiveInt


# ------------------------------------------------------------------------ ci/testing


class CoverageConfig(Section):
    enabled: bool = True
    fail_under: Annotated[float, Field(ge=0, le=100)]
    report_formats: list[Literal["term", "term-missing", "html", "xml", "json", "lcov"]]


class CiConfig(Section):
    provider: Literal["none", "github-actions", "gitlab-ci", "jenkins"]
    # pytest-xdist "-n": a count, or "auto"/"logical" for one worker per CPU.
    parallel_workers: Literal["auto", "logical"] | Annotated[int, Field(ge=1)] = 1
    random_seed: int | None = None
    test_timeout_seconds: PositiveInt
    fixtures_dir: str
    pytest_args: list[str] = []
    coverage: CoverageConfig


# ------------------------------------------------------------------------- root


class AppConfig(Section):
    app: AppSection
    api: ApiConfig
    database: DatabaseConfig
    redis: RedisConfig
    ml: MlConfig
    monitoring: MonitoringConfig
    logging: LoggingConfig
    security: SecurityConfig
    storage: StorageConfig
    ci: CiConfig
