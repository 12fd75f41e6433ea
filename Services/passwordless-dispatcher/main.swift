import DispatcherApp
import HTTPService

await ServiceLauncher.run(.dispatcher, build: Dispatcher.buildApplication)
