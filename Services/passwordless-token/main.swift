import HTTPService
import TokenApp

ServiceLauncher.runTasksOnEventLoops()
await ServiceLauncher.run(.token, build: TokenService.buildApplication)
