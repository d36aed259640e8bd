"""The Clarifai hook."""

from __future__ import annotations

from airflow_provider.hooks.clarifai import ClarifaiHook, config_from_connection

__all__ = ["ClarifaiHook", "config_from_connection"]
