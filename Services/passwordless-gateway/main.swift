import GatewayApp
import HTTPService

await ServiceLauncher.run(.gateway, build: Gateway.buildApplication)
