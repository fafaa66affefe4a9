"""chaos_shim: drive chaos-shim's faults from Python tests (pip install ./python)."""
from setuptools import setup

setup(
    name="chaos-shim",
    version="0.1.0",
    description="Drive chaos-shim fault injection from Python tests",
    packages=["chaos_shim"],
    python_requires=">=3.7",
    entry_points={"pytest11": ["chaos_shim = chaos_shim.pytest_plugin"]},
)
