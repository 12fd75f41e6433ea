import HTTPService
import TokenApp

await ServiceLauncher.run(.token, build: TokenService.buildApplication)
