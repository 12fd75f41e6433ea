import GatewayApp
import HTTPService

ServiceLauncher.runTasksOnEventLoops()
await ServiceLauncher.run(.gateway, build: Gateway.buildApplication)
