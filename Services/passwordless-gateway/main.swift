import ServiceRuntime

await ServiceLauncher.run(.gateway, build: buildApplication)
