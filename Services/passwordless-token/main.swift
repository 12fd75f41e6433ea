import ServiceRuntime

await ServiceLauncher.run(.token, build: buildApplication)
