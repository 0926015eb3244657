"""The framework's floor: FastAPI's hello world, served by the same uvicorn in the same venv, to
which the benchmarks compare the API's own reads.

    uvicorn bench.hello:app
"""

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def hello() -> dict[str, str]:
    return {"message": "Hello World"}
