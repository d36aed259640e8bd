"""ClarifaiResource: a secret PAT field, EnvVar resolution outside a run, one pooled client
per run closed at teardown, sync and async clients."""

import asyncio

import pytest
from dagster import AssetExecutionContext, EnvVar, asset, build_resources, materialize

from connector.aio import AsyncClarifaiClient
from connector.client import ClarifaiClient
from connector.emulator.testing import EmulatorServer
from connector.errors import ConfigurationError
from dagster_assets import ClarifaiResource
from tests.dagster.helpers import make_resource, rpcs


def test_pat_field_is_marked_secret_and_left_out_of_repr(demo: EmulatorServer) -> None:
    fields = ClarifaiResource.to_config_schema().as_field().config_type.fields
    assert fields["pat"].is_secret
    assert not fields["user_id"].is_secret
    resource = ClarifaiResource(pat="plain-value-pat-123", user_id="demo")
    assert "plain-value-pat-123" not in repr(resource)
    assert "plain-value-pat-123" not in str(resource)


def test_uninitialized_envvar_field_reads_as_the_variable_name_and_the_client_gets_the_value(
    demo: EmulatorServer,
) -> None:
    resource = make_resource(demo)
    # Dagster leaves the EnvVar in the field of a resource used outside a run: the
    # field reads as the variable's *name*, which must never be sent as the PAT.
    assert resource.pat == "CLARIFAI_PAT"
    with resource.get_client() as client:
        assert client.config.pat.reveal() == demo.pat
        assert [d["id"] for d in client.list_datasets()]  # authenticated for real
    assert resource.to_config().user_id == demo.user_id


def test_envvar_user_and_app_resolve_outside_a_run(demo: EmulatorServer) -> None:
    resource = make_resource(demo, user_id=EnvVar("CLARIFAI_USER_ID"), app_id=EnvVar("CLARIFAI_APP_ID"))
    assert resource.user_id == "CLARIFAI_USER_ID"
    config = resource.to_config()
    assert (config.user_id, config.app_id) == (demo.user_id, demo.app_id)


def test_missing_pat_is_a_configuration_error_naming_the_setting(
    demo: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLARIFAI_PAT")
    with pytest.raises(ConfigurationError, match="no Clarifai PAT given"):
        make_resource(demo).get_client()


def test_retry_and_rate_settings_reach_the_client(demo: EmulatorServer) -> None:
    resource = make_resource(demo, rate_limit=7.5, retry_max_attempts=4, timeout=12.0, page_concurrency=2)
    config = resource.to_config()
    assert config.rate_limit == 7.5
    assert config.retry.max_attempts == 4
    assert config.timeouts.read == 12.0
    assert config.page_concurrency == 2


def test_one_pooled_client_per_run_closed_at_teardown(demo: EmulatorServer) -> None:
    seen: list[ClarifaiClient] = []

    @asset(required_resource_keys={"clarifai"})
    def first(context: AssetExecutionContext) -> None:
        # `with` inside a run must leave the shared pool open for the next step.
        with context.resources.clarifai.get_client() as client:
            seen.append(client)
            client.get_app()

    @asset(deps=[first], required_resource_keys={"clarifai"})
    def second(context: AssetExecutionContext) -> None:
        client = context.resources.clarifai.get_client()
        seen.append(client)
        client.get_app()

    result = materialize([first, second], resources={"clarifai": make_resource(demo)})
    assert result.success
    assert len(seen) == 2 and seen[0] is seen[1]
    assert seen[0]._http.is_closed  # closed by the resource's teardown
    assert rpcs(demo).count("GetApp") == 2


def test_build_resources_sets_up_and_tears_down(demo: EmulatorServer) -> None:
    with build_resources({"clarifai": make_resource(demo)}) as built:
        client = built.clarifai.get_client()
        assert client is built.clarifai.get_client()
        assert client.config.pat.reveal() == demo.pat
        assert not client._http.is_closed
    assert client._http.is_closed


def test_async_client_inside_a_run_is_shared_and_closed(demo: EmulatorServer) -> None:
    seen: list[AsyncClarifaiClient] = []

    @asset(required_resource_keys={"clarifai"})
    async def app_description(context: AssetExecutionContext) -> None:
        async with context.resources.clarifai.get_async_client() as client:
            seen.append(client)
            app = await client.get_app()
        async with context.resources.clarifai.get_async_client() as again:
            seen.append(again)
        context.add_output_metadata({"app": app["id"]})

    result = materialize([app_description], resources={"clarifai": make_resource(demo)})
    assert result.success
    assert seen[0] is seen[1]
    assert seen[0]._http.is_closed
    assert "GetApp" in rpcs(demo)


def test_async_client_outside_a_run_is_the_callers(demo: EmulatorServer) -> None:
    resource = make_resource(demo)

    async def read() -> str:
        async with resource.get_async_client() as client:
            assert client.config.pat.reveal() == demo.pat
            app = await client.get_app()
        assert client._http.is_closed
        return str(app["id"])

    assert asyncio.run(read()) == demo.app_id
