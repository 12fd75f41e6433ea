import TokenApp
import HTTPService

await ServiceLauncher.run(.token, build: TokenService.buildApplication)
