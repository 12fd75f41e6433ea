import ServiceRuntime

await ServiceLauncher.run(.dispatcher, build: buildApplication)
