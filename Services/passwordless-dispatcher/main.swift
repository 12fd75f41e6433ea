import DispatcherApp
import HTTPService

ServiceLauncher.runTasksOnEventLoops()
await ServiceLauncher.run(.dispatcher, build: Dispatcher.buildApplication)
